package helmengine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// maxElems is the most elements a template function may return in a list or map.
const maxElems = 1 << 20

const defaultMaxOutput = 64 << 20

// ErrOutputLimit is returned when the templates write more than MaxOutput.
var ErrOutputLimit = errors.New("the rendered output is over the size limit")

func (e Engine) ctx() context.Context {
	if e.Ctx == nil {
		return context.Background()
	}
	return e.Ctx
}

func (e Engine) max() int64 {
	if e.MaxOutput <= 0 {
		return defaultMaxOutput
	}
	return e.MaxOutput
}

// limitWriter collects output up to a limit (its own, and a total shared by all the
// templates of a render), failing once the context is done.
type limitWriter struct {
	strings.Builder
	ctx   context.Context
	max   int64
	total *int64
}

func (e Engine) newWriter(total *int64) *limitWriter {
	return &limitWriter{ctx: e.ctx(), max: e.max(), total: total}
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	if int64(w.Len()+len(p)) > w.max {
		return 0, fmt.Errorf("%w of %d bytes", ErrOutputLimit, w.max)
	}
	if w.total != nil {
		*w.total += int64(len(p))
		if *w.total > w.max {
			return 0, fmt.Errorf("%w of %d bytes", ErrOutputLimit, w.max)
		}
	}
	return w.Builder.Write(p)
}

func (w *limitWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// bound replaces the functions that allocate from a count with ones that check it first,
// and wraps every function so that it fails once the context is done or when what it
// returns is over the limits. text/template turns the panic of a function into an error.
func (e Engine) bound(fm map[string]interface{}) {
	max := e.max()
	count := func(name string, n int64) {
		if n > maxElems {
			panic(fmt.Errorf("%s of %d elements is over the limit of %d", name, n, maxElems))
		}
	}
	if until, ok := fm["until"].(func(int) []int); ok {
		fm["until"] = func(n int) []int {
			count("until", int64(n))
			return until(n)
		}
	}
	if untilStep, ok := fm["untilStep"].(func(int, int, int) []int); ok {
		fm["untilStep"] = func(start, stop, step int) []int {
			if step != 0 {
				count("untilStep", int64((stop-start)/step))
			}
			return untilStep(start, stop, step)
		}
	}
	if seq, ok := fm["seq"].(func(...int) string); ok {
		fm["seq"] = func(params ...int) string {
			var start, stop, step int64 = 1, 0, 1
			switch len(params) {
			case 1:
				stop = int64(params[0])
			case 2:
				start, stop = int64(params[0]), int64(params[1])
			case 3:
				start, step, stop = int64(params[0]), int64(params[1]), int64(params[2])
			}
			if step != 0 {
				count("seq", abs64((stop-start)/step))
			}
			return seq(params...)
		}
	}
	if repeat, ok := fm["repeat"].(func(int, string) string); ok {
		fm["repeat"] = func(n int, s string) string {
			if n > 0 && int64(n)*int64(len(s)) > max {
				panic(fmt.Errorf("repeat of %d × %d bytes is over the limit of %d bytes", n, len(s), max))
			}
			return repeat(n, s)
		}
	}
	for _, name := range []string{"indent", "nindent"} {
		if f, ok := fm[name].(func(int, string) string); ok {
			fm[name] = func(n int, v string) string {
				if n > 0 && int64(n)*int64(strings.Count(v, "\n")+1)+int64(len(v)) > max {
					panic(fmt.Errorf("%s by %d is over the limit of %d bytes", name, n, max))
				}
				return f(n, v)
			}
		}
	}
	if f, ok := fm["randBytes"].(func(int) (string, error)); ok {
		fm["randBytes"] = func(n int) (string, error) {
			count("randBytes", int64(n))
			return f(n)
		}
	}
	for _, name := range []string{"randAlphaNum", "randAlpha", "randNumeric", "randAscii"} {
		if f, ok := fm[name].(func(int) string); ok {
			fm[name] = func(n int) string {
				count(name, int64(n))
				return f(n)
			}
		}
	}
	fm["print"], fm["printf"], fm["println"] = fmt.Sprint, fmt.Sprintf, fmt.Sprintln
	for name, f := range fm {
		fm[name] = e.guard(name, f)
	}
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// guard wraps a template function: it fails once the context is done, and when it returns
// a string over the output limit or a list or map over maxElems elements.
func (e Engine) guard(name string, f interface{}) interface{} {
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Func {
		return f
	}
	t := v.Type()
	ctx, max := e.ctx(), e.max()
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		if err := ctx.Err(); err != nil {
			panic(fmt.Errorf("%s: %w", name, err))
		}
		var out []reflect.Value
		if t.IsVariadic() {
			out = v.CallSlice(args)
		} else {
			out = v.Call(args)
		}
		for _, o := range out {
			switch o.Kind() {
			case reflect.String:
				if int64(o.Len()) > max {
					panic(fmt.Errorf("%s returned %d bytes, over the limit of %d", name, o.Len(), max))
				}
			case reflect.Slice, reflect.Map:
				if o.Len() > maxElems {
					panic(fmt.Errorf("%s returned %d elements, over the limit of %d", name, o.Len(), maxElems))
				}
			case reflect.Interface:
				if !o.IsNil() {
					if s, ok := o.Interface().(string); ok && int64(len(s)) > max {
						panic(fmt.Errorf("%s returned %d bytes, over the limit of %d", name, len(s), max))
					}
				}
			}
		}
		return out
	}).Interface()
}
