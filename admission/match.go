package admission

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// subject is what match criteria look at: one object under review, with the labels of its
// namespace.
type subject struct {
	obj        map[string]any
	group      string
	version    string
	kind       string
	namespace  string
	name       string
	labels     labels.Set
	nsLabels   labels.Set // nil for cluster-scoped objects other than Namespaces
	namespaced bool
	generated  bool // a Pod expanded from a workload's template
}

// matcher is a compiled Gatekeeper match block (the same for mutators and constraints).
type matcher struct {
	kinds              []kindSel
	scope              string
	namespaces         []string
	excludedNamespaces []string
	name               string
	source             string
	labelSel           labels.Selector
	nsSel              labels.Selector
}

type kindSel struct{ groups, kinds []string }

func compileMatch(m map[string]any) (*matcher, error) {
	out := &matcher{scope: "*"}
	if m == nil {
		return out, nil
	}
	for _, k := range asSlice(m["kinds"]) {
		km := asMap(k)
		out.kinds = append(out.kinds, kindSel{groups: asStrings(km["apiGroups"]), kinds: asStrings(km["kinds"])})
	}
	if s, _ := m["scope"].(string); s != "" {
		if s != "*" && s != "Cluster" && s != "Namespaced" {
			return nil, fmt.Errorf("match.scope %q is not *, Cluster or Namespaced", s)
		}
		out.scope = s
	}
	out.namespaces = asStrings(m["namespaces"])
	out.excludedNamespaces = asStrings(m["excludedNamespaces"])
	out.name, _ = m["name"].(string)
	out.source, _ = m["source"].(string)
	var err error
	if v, ok := m["labelSelector"]; ok && v != nil {
		if out.labelSel, err = selector(v); err != nil {
			return nil, fmt.Errorf("match.labelSelector: %w", err)
		}
	}
	if v, ok := m["namespaceSelector"]; ok && v != nil {
		if out.nsSel, err = selector(v); err != nil {
			return nil, fmt.Errorf("match.namespaceSelector: %w", err)
		}
	}
	return out, nil
}

func selector(v any) (labels.Selector, error) {
	var sel metav1.LabelSelector
	if m := asMap(v); m != nil {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &sel); err != nil {
			return nil, err
		}
	}
	return metav1.LabelSelectorAsSelector(&sel)
}

// matches applies the criteria as Gatekeeper does: every criterion that is set must hold.
func (m *matcher) matches(s *subject) bool {
	if len(m.kinds) > 0 && !slices.ContainsFunc(m.kinds, func(k kindSel) bool {
		return (len(k.groups) == 0 || slices.Contains(k.groups, "*") || slices.Contains(k.groups, s.group)) &&
			(len(k.kinds) == 0 || slices.Contains(k.kinds, "*") || slices.Contains(k.kinds, s.kind))
	}) {
		return false
	}
	switch m.scope {
	case "Cluster":
		if s.namespaced {
			return false
		}
	case "Namespaced":
		if !s.namespaced {
			return false
		}
	}
	isNamespace := s.group == "" && s.kind == "Namespace"
	// Namespace criteria judge a Namespace by its own name; other cluster-scoped objects
	// are not in a namespace and are not affected by them.
	ns := s.namespace
	if isNamespace {
		ns = s.name
	}
	if s.namespaced || isNamespace {
		if len(m.namespaces) > 0 && !slices.ContainsFunc(m.namespaces, func(p string) bool { return globMatch(p, ns) }) {
			return false
		}
		if slices.ContainsFunc(m.excludedNamespaces, func(p string) bool { return globMatch(p, ns) }) {
			return false
		}
	}
	if m.name != "" && !globMatch(m.name, s.name) {
		return false
	}
	switch m.source {
	case "Original":
		if s.generated {
			return false
		}
	case "Generated":
		if !s.generated {
			return false
		}
	}
	if m.labelSel != nil && !m.labelSel.Matches(s.labels) {
		return false
	}
	if m.nsSel != nil {
		switch {
		case isNamespace:
			if !m.nsSel.Matches(s.labels) {
				return false
			}
		case s.namespaced:
			if !m.nsSel.Matches(s.nsLabels) {
				return false
			}
		}
	}
	return true
}

// globMatch is Gatekeeper's namespace and name glob: an exact name, a prefix ("team-*")
// or a suffix ("*-system").
func globMatch(pattern, s string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(s, strings.TrimSuffix(pattern, "*"))
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(s, strings.TrimPrefix(pattern, "*"))
	}
	return pattern == s
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func asStrings(v any) []string {
	var out []string
	for _, x := range asSlice(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
