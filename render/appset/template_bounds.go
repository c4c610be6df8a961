package appset

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/Masterminds/sprig/v3"
)

// maxRendered bounds what one template string may render. The API server refuses an object
// over 1.5 MiB (etcd's request limit), so no Application can hold more; and a template such
// as `{{ repeat 1000000000 "x" }}` or `{{ range until 1000000000 }}` in an ApplicationSet
// must end as an error, not exhaust the memory of a pre-commit hook or a CI job.
const maxRendered = 3 << 19

// errTooLarge is a template that renders more than maxRendered.
var errTooLarge = fmt.Errorf("the template renders more than %d bytes, more than an Application can hold", maxRendered)

// boundedBuffer is the output of one template: it refuses to grow past maxRendered.
type boundedBuffer struct{ bytes.Buffer }

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxRendered {
		return 0, errTooLarge
	}
	return b.Buffer.Write(p)
}

// boundSize refuses a function call that would build more than maxRendered bytes or list
// elements before the output buffer could see them.
func boundSize(name string, n int) error {
	if n < 0 || n > maxRendered {
		return fmt.Errorf("%s: a size of %d is more than an Application can hold (%d)", name, n, maxRendered)
	}
	return nil
}

// boundedFuncs are sprig's functions whose size argument allocates at once, with the same
// results within the bound.
func boundedFuncs() map[string]any {
	sp := sprig.GenericFuncMap()
	rand := func(name string) func(int) (string, error) {
		f := sp[name].(func(int) string)
		return func(count int) (string, error) {
			if err := boundSize(name, count); err != nil {
				return "", err
			}
			return f(count), nil
		}
	}
	indent := func(name string) func(int, string) (string, error) {
		f := sp[name].(func(int, string) string)
		return func(spaces int, v string) (string, error) {
			lines := int64(strings.Count(v, "\n") + 1)
			if spaces > 0 && int64(spaces)*lines+int64(len(v)) > maxRendered {
				return "", fmt.Errorf("%s: %d spaces on %d lines is more than an Application can hold (%d)", name, spaces, lines, maxRendered)
			}
			return f(spaces, v), nil
		}
	}
	until := sp["until"].(func(int) []int)
	untilStep := sp["untilStep"].(func(int, int, int) []int)
	seq := sp["seq"].(func(...int) string)
	randBytes := sp["randBytes"].(func(int) (string, error))
	repeat := sp["repeat"].(func(int, string) string)
	return map[string]any{
		"repeat": func(count int, str string) (string, error) {
			if len(str) > 0 && count > maxRendered/len(str) {
				return "", fmt.Errorf("repeat: %d times %d bytes is more than an Application can hold (%d)", count, len(str), maxRendered)
			}
			return repeat(count, str), nil
		},
		"randAlphaNum": rand("randAlphaNum"),
		"randAlpha":    rand("randAlpha"),
		"randAscii":    rand("randAscii"),
		"randNumeric":  rand("randNumeric"),
		"randBytes": func(count int) (string, error) {
			if err := boundSize("randBytes", count); err != nil {
				return "", err
			}
			return randBytes(count)
		},
		"indent":  indent("indent"),
		"nindent": indent("nindent"),
		"until": func(count int) ([]int, error) {
			if err := boundSize("until", stepCount(0, count, 1)+stepCount(0, count, -1)); err != nil {
				return nil, err
			}
			return until(count), nil
		},
		"untilStep": func(start, stop, step int) ([]int, error) {
			if err := boundSize("untilStep", stepCount(start, stop, step)); err != nil {
				return nil, err
			}
			return untilStep(start, stop, step), nil
		},
		"seq": func(params ...int) (string, error) {
			n := 0
			switch len(params) {
			case 1:
				n = stepCount(1, params[0], 1) + stepCount(1, params[0], -1)
			case 2:
				n = stepCount(params[0], params[1], 1) + stepCount(params[0], params[1], -1)
			case 3:
				n = stepCount(params[0], params[2], params[1])
			}
			if err := boundSize("seq", n); err != nil {
				return "", err
			}
			return seq(params...), nil
		},
	}
}

// stepCount is how many elements a range from start towards stop by step holds (0 when it
// never gets there), capped past maxRendered.
func stepCount(start, stop, step int) int {
	if step == 0 || (step > 0 && start >= stop) || (step < 0 && start <= stop) {
		return 0
	}
	span := uint64(stop - start)
	if step < 0 {
		span = uint64(start - stop)
		step = -step
	}
	n := span / uint64(step)
	if n > maxRendered {
		return maxRendered + 1
	}
	return int(n)
}
