package appset

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// requirement is one term of a label selector.
type requirement struct {
	key    string
	op     string // In, NotIn, Exists, DoesNotExist (matchLabels are In with one value)
	values []string
}

// selector is Argo CD's utils.LabelSelectorAsSelector: Kubernetes label selectors without
// the restrictions on values, so that parameters such as URLs can be matched.
type selector []requirement

// parseSelector reads a generator's selector; nil when there is none (no filtering).
func parseSelector(v any) (selector, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("a selector must be an object")
	}
	sel := selector{}
	labels, _ := m["matchLabels"].(map[string]any)
	for k, lv := range labels {
		s, ok := lv.(string)
		if !ok {
			return nil, fmt.Errorf("matchLabels %q: the value must be a string", k)
		}
		if err := checkKey(k); err != nil {
			return nil, err
		}
		sel = append(sel, requirement{key: k, op: "In", values: []string{s}})
	}
	for i, e := range asSlice(m["matchExpressions"]) {
		em, _ := e.(map[string]any)
		key, _ := em["key"].(string)
		op, _ := em["operator"].(string)
		var values []string
		for _, x := range asSlice(em["values"]) {
			s, _ := x.(string)
			values = append(values, s)
		}
		if err := checkKey(key); err != nil {
			return nil, err
		}
		switch op {
		case "In", "NotIn":
			if len(values) == 0 {
				return nil, fmt.Errorf("matchExpressions[%d]: for 'in', 'notin' operators, values set can't be empty", i)
			}
		case "Exists", "DoesNotExist":
			if len(values) != 0 {
				return nil, fmt.Errorf("matchExpressions[%d]: values set must be empty for exists and does not exist", i)
			}
		default:
			return nil, fmt.Errorf("%q is not a valid pod selector operator", op)
		}
		sel = append(sel, requirement{key: key, op: op, values: values})
	}
	sort.SliceStable(sel, func(i, j int) bool { return sel[i].key < sel[j].key })
	return sel, nil
}

func checkKey(k string) error {
	if errs := validation.IsQualifiedName(k); len(errs) != 0 {
		return fmt.Errorf("key %q: %s", k, strings.Join(errs, "; "))
	}
	return nil
}

func (s selector) matches(labels map[string]string) bool {
	for _, r := range s {
		v, has := labels[r.key]
		switch r.op {
		case "In":
			if !has || !slices.Contains(r.values, v) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(r.values, v) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		}
	}
	return true
}
