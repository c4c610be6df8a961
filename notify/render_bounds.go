package notify

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/template/parse"
	"time"

	"github.com/Masterminds/sprig/v3"
	"github.com/argoproj/notifications-engine/pkg/services"
	"sigs.k8s.io/yaml"
)

// maxRenderBytes bounds what one rendering may produce: the largest notification lint and
// test render, and the largest string or list one template function may build. No
// notification service accepts a message near this size (Slack stops at 40,000
// characters, Teams at 28 KiB).
const maxRenderBytes = 1 << 20

// defaultRenderTimeout bounds one rendering of lint and test: the engine's templates loop
// as long as they are told to, and Go templates cannot be interrupted.
const defaultRenderTimeout = 2 * time.Second

// ErrRenderBudget marks a rendering that produced more than 1 MiB, or did not end
// within its time: the controller would build, and try to send, a notification that size.
var ErrRenderBudget = errors.New("the template renders too much")

// ErrTemplateRecursion marks a template that calls itself with the same data: the engine
// recurses until Go's limit of 100,000 nested calls and sends nothing.
var ErrTemplateRecursion = errors.New("the template calls itself without end")

// errRenderTimeout marks the ErrRenderBudget of a rendering that did not end in time.
var errRenderTimeout = errors.New("abandoned")

// boundedFuncs are the engine's template functions (sprig without env and expandenv) with
// the ones that build a string or list of a size given as an argument refusing sizes over
// maxRenderBytes, so that a template such as {{repeat 1000000000 "x"}} is an error, not a
// gigabyte.
func boundedFuncs() map[string]any {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	limit := func(name string, n int) error {
		if n > maxRenderBytes || n < 0 {
			return fmt.Errorf("%w: %s of %d is over the limit of %d", ErrRenderBudget, name, n, maxRenderBytes)
		}
		return nil
	}
	repeat := f["repeat"].(func(int, string) string)
	f["repeat"] = func(count int, s string) (string, error) {
		if err := limit("repeat", count*max(len(s), 1)); err != nil {
			return "", err
		}
		return repeat(count, s), nil
	}
	until := f["until"].(func(int) []int)
	f["until"] = func(n int) ([]int, error) {
		if err := limit("until", n); err != nil {
			return nil, err
		}
		return until(n), nil
	}
	untilStep := f["untilStep"].(func(int, int, int) []int)
	f["untilStep"] = func(start, stop, step int) ([]int, error) {
		if step != 0 {
			if err := limit("untilStep", (stop-start)/step); err != nil {
				return nil, err
			}
		}
		return untilStep(start, stop, step), nil
	}
	seq := f["seq"].(func(...int) string)
	f["seq"] = func(params ...int) (string, error) {
		span := 0
		switch len(params) {
		case 1:
			span = params[0]
		case 2:
			span = params[1] - params[0]
		case 3:
			if params[1] != 0 {
				span = (params[2] - params[0]) / params[1]
			}
		}
		if err := limit("seq", max(span, -span)); err != nil {
			return "", err
		}
		return seq(params...), nil
	}
	for _, name := range []string{"indent", "nindent"} {
		pad := f[name].(func(int, string) string)
		f[name] = func(spaces int, s string) (string, error) {
			if err := limit(name, spaces*(strings.Count(s, "\n")+1)); err != nil {
				return "", err
			}
			return pad(spaces, s), nil
		}
	}
	for _, name := range []string{"randAlphaNum", "randAlpha", "randAscii", "randNumeric"} {
		gen := f[name].(func(int) string)
		f[name] = func(n int) (string, error) {
			if err := limit(name, n); err != nil {
				return "", err
			}
			return gen(n), nil
		}
	}
	return f
}

// renderBounded runs render within timeout and checks the size of what it made. A
// rendering that overruns is abandoned: Go templates cannot be stopped, so it ends in the
// background (or with the process); its result is never used.
func renderBounded(timeout time.Duration, render func() (*services.Notification, error)) (*services.Notification, error) {
	type result struct {
		n   *services.Notification
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("rendering failed: %v", r)}
			}
		}()
		n, err := render()
		done <- result{n, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		if size := notificationSize(r.n); size > maxRenderBytes {
			return nil, fmt.Errorf("%w: it renders %d bytes, over the limit of %d; no notification service accepts a message that large", ErrRenderBudget, size, maxRenderBytes)
		}
		return r.n, nil
	case <-timer.C:
		return nil, fmt.Errorf("%w: rendering did not end within %s; a range or repeat runs too long, and the controller would stall on it (%w)", ErrRenderBudget, timeout, errRenderTimeout)
	}
}

// notificationSize is the number of bytes of text a notification holds.
func notificationSize(n *services.Notification) int {
	if n == nil {
		return 0
	}
	size := len(n.Message)
	if n.Email != nil {
		size += len(n.Email.Subject) + len(n.Email.Body)
	}
	if n.Slack != nil {
		size += len(n.Slack.Attachments) + len(n.Slack.Blocks)
	}
	if n.Teams != nil {
		size += len(n.Teams.Title) + len(n.Teams.Text) + len(n.Teams.Facts) + len(n.Teams.Sections) + len(n.Teams.PotentialAction) + len(n.Teams.Template)
	}
	if n.TeamsWorkflows != nil {
		size += len(n.TeamsWorkflows.Title) + len(n.TeamsWorkflows.Text) + len(n.TeamsWorkflows.Facts) + len(n.TeamsWorkflows.Sections) + len(n.TeamsWorkflows.AdaptiveCard)
	}
	if n.GoogleChat != nil {
		size += len(n.GoogleChat.Cards) + len(n.GoogleChat.CardsV2)
	}
	for _, w := range n.Webhook {
		size += len(w.Body) + len(w.Path)
	}
	return size
}

// templateRecursion says how a template calls itself with unchanged data ({{template "x" .}}
// inside "x"), which recurses until Go's depth limit whatever the Application; "" when it
// does not. A recursion that passes other data ({{template "x" .children}}) ends with the
// data and is left alone.
func templateRecursion(raw string) string {
	var doc any
	if err := yaml.Unmarshal([]byte(raw), &doc); err != nil {
		return ""
	}
	var found string
	walkStrings("", doc, func(field, text string) {
		if found == "" && strings.Contains(text, "template") {
			if cycle := recursionIn(text); cycle != "" {
				found = cycle + " in " + field
			}
		}
	})
	return found
}

func walkStrings(path string, v any, visit func(field, text string)) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			walkStrings(strings.TrimPrefix(path+"."+k, "."), v[k], visit)
		}
	case []any:
		for i, x := range v {
			walkStrings(fmt.Sprintf("%s[%d]", path, i), x, visit)
		}
	case string:
		visit(path, v)
	}
}

// recursionIn finds a cycle of {{template}} calls that pass the dot unchanged in one
// template text (the engine parses each field on its own, so a cycle cannot span fields).
func recursionIn(text string) string {
	const root = "\x00root"
	tree := &parse.Tree{Name: root, Mode: parse.SkipFuncCheck | parse.ParseComments}
	trees := map[string]*parse.Tree{}
	if _, err := tree.Parse(text, "{{", "}}", trees); err != nil {
		return ""
	}
	calls := map[string][]string{}
	for name, t := range trees {
		if t.Root != nil {
			collectCalls(t.Root, true, func(callee string) { calls[name] = append(calls[name], callee) })
		}
	}
	state := map[string]int{} // 1 on the path, 2 done
	var path []string
	var visit func(name string) string
	visit = func(name string) string {
		switch state[name] {
		case 1:
			i := len(path) - 1
			for i > 0 && path[i] != name {
				i--
			}
			return strings.Join(quoteAll(append(path[i:], name)), " calls ")
		case 2:
			return ""
		}
		state[name] = 1
		path = append(path, name)
		for _, callee := range calls[name] {
			if c := visit(callee); c != "" {
				return c
			}
		}
		path = path[:len(path)-1]
		state[name] = 2
		return ""
	}
	return visit(root)
}

func quoteAll(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, fmt.Sprintf("%q", n))
	}
	return out
}

// collectCalls calls call for each {{template "name" ARG}} in n whose ARG is the data of the
// template n belongs to: none, $, or . where the dot is still that data (own).
func collectCalls(n parse.Node, own bool, call func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			collectCalls(c, own, call)
		}
	case *parse.TemplateNode:
		if sameData(n.Pipe, own) {
			call(n.Name)
		}
	case *parse.IfNode:
		collectCalls(n.List, own, call)
		collectCalls(n.ElseList, own, call)
	case *parse.RangeNode:
		// Inside range and with, the dot is other data.
		collectCalls(n.List, false, call)
		collectCalls(n.ElseList, own, call)
	case *parse.WithNode:
		collectCalls(n.List, false, call)
		collectCalls(n.ElseList, own, call)
	}
}

// sameData says whether a {{template}} argument is the caller's own data.
func sameData(p *parse.PipeNode, own bool) bool {
	if p == nil || len(p.Cmds) == 0 {
		return true
	}
	if len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.DotNode:
		return own
	case *parse.VariableNode:
		return len(a.Ident) == 1 && a.Ident[0] == "$"
	}
	return false
}
