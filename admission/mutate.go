package admission

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Mutator kinds, in the order Gatekeeper applies them (by kind, then name).
const (
	KindAssign         = "Assign"
	KindAssignImage    = "AssignImage"
	KindAssignMetadata = "AssignMetadata"
	KindModifySet      = "ModifySet"
)

// MutationsGroup is the API group of Gatekeeper mutators.
const MutationsGroup = "mutations.gatekeeper.sh"

type applyTo struct{ groups, kinds, versions []string }

// mutator is one compiled Gatekeeper mutator.
type mutator struct {
	kind, name string
	applyTo    []applyTo
	match      *matcher
	loc        []segment
	location   string
	tests      []pathTest

	value                      any    // Assign, AssignMetadata
	fromMetadata               string // Assign: "namespace" or "name"
	prune                      bool   // ModifySet: remove values instead of adding them
	values                     []any  // ModifySet
	domain, path, tag          string
	hasDomain, hasPath, hasTag bool
}

// change is one field a mutator set, for notes.
type change struct {
	mutator string
	path    string
	value   any
	prune   bool
}

func compileMutator(u map[string]any) (*mutator, error) {
	meta := asMap(u["metadata"])
	spec := asMap(u["spec"])
	m := &mutator{kind: str(u["kind"]), name: str(meta["name"])}
	for _, a := range asSlice(spec["applyTo"]) {
		am := asMap(a)
		m.applyTo = append(m.applyTo, applyTo{groups: asStrings(am["groups"]), kinds: asStrings(am["kinds"]), versions: asStrings(am["versions"])})
	}
	if m.kind != KindAssignMetadata && len(m.applyTo) == 0 {
		return nil, fmt.Errorf("spec.applyTo is empty")
	}
	var err error
	if m.match, err = compileMatch(asMap(spec["match"])); err != nil {
		return nil, err
	}
	m.location = str(spec["location"])
	if m.loc, err = parseLocation(m.location); err != nil {
		return nil, fmt.Errorf("spec.location: %w", err)
	}
	params := asMap(spec["parameters"])
	if m.tests, err = parsePathTests(m.loc, asSlice(params["pathTests"])); err != nil {
		return nil, fmt.Errorf("spec.parameters.%w", err)
	}
	last := m.loc[len(m.loc)-1]
	switch m.kind {
	case KindAssign:
		if m.loc[0].field == "metadata" {
			return nil, fmt.Errorf("spec.location %q: Assign may not change metadata (use AssignMetadata)", m.location)
		}
		if last.list && last.glob {
			return nil, fmt.Errorf("spec.location %q: Assign may not end in a glob list selector", m.location)
		}
		assign := asMap(params["assign"])
		if fm := asMap(assign["fromMetadata"]); fm != nil {
			m.fromMetadata = str(fm["field"])
			if m.fromMetadata != "namespace" && m.fromMetadata != "name" {
				return nil, fmt.Errorf("spec.parameters.assign.fromMetadata.field %q is not namespace or name", m.fromMetadata)
			}
		} else if v, ok := assign["value"]; ok {
			m.value = v
		} else if _, ok := assign["externalData"]; ok {
			return nil, fmt.Errorf("spec.parameters.assign.externalData is not supported offline")
		} else {
			return nil, fmt.Errorf("spec.parameters.assign has no value")
		}
	case KindAssignMetadata:
		if len(m.loc) != 3 || m.loc[0].field != "metadata" || (m.loc[1].field != "labels" && m.loc[1].field != "annotations") || last.list {
			return nil, fmt.Errorf("spec.location %q: AssignMetadata changes only metadata.labels.<key> or metadata.annotations.<key>", m.location)
		}
		v, ok := asMap(params["assign"])["value"].(string)
		if !ok {
			return nil, fmt.Errorf("spec.parameters.assign.value must be a string")
		}
		m.value = v
	case KindModifySet:
		if last.list {
			return nil, fmt.Errorf("spec.location %q: ModifySet must end in a field that holds a list", m.location)
		}
		switch op := str(params["operation"]); op {
		case "", "merge":
		case "prune":
			m.prune = true
		default:
			return nil, fmt.Errorf("spec.parameters.operation %q is not merge or prune", op)
		}
		m.values = asSlice(asMap(params["values"])["fromList"])
	case KindAssignImage:
		if last.list {
			return nil, fmt.Errorf("spec.location %q: AssignImage must end in an image field", m.location)
		}
		m.domain, m.hasDomain = params["assignDomain"].(string)
		m.path, m.hasPath = params["assignPath"].(string)
		m.tag, m.hasTag = params["assignTag"].(string)
		if !m.hasDomain && !m.hasPath && !m.hasTag {
			return nil, fmt.Errorf("spec.parameters: AssignImage sets none of assignDomain, assignPath, assignTag")
		}
		if m.hasTag && !strings.HasPrefix(m.tag, ":") && !strings.HasPrefix(m.tag, "@") {
			return nil, fmt.Errorf("spec.parameters.assignTag %q must start with : or @", m.tag)
		}
	default:
		return nil, fmt.Errorf("kind %q is not a Gatekeeper mutator", m.kind)
	}
	return m, nil
}

func (m *mutator) applies(s *subject) bool {
	if m.kind != KindAssignMetadata && !slices.ContainsFunc(m.applyTo, func(a applyTo) bool {
		return has(a.groups, s.group) && has(a.kinds, s.kind) && has(a.versions, s.version)
	}) {
		return false
	}
	return m.match.matches(s)
}

func has(list []string, v string) bool { return slices.Contains(list, v) || slices.Contains(list, "*") }

// mutate changes obj in place and returns what it changed.
func (m *mutator) mutate(obj map[string]any, s *subject) []change {
	var out []change
	m.walk(obj, true, func(any) {}, 0, "", s, &out)
	return out
}

// walk visits the node reached by the first d segments of the location. set replaces
// the node in its parent (creating missing parents on first use).
func (m *mutator) walk(node any, exists bool, set func(any), d int, path string, s *subject, out *[]change) {
	for _, t := range m.tests {
		if t.depth == d && t.mustExist != exists {
			return
		}
	}
	if d == len(m.loc) {
		m.leaf(node, exists, set, path, s, out)
		return
	}
	seg := m.loc[d]
	if !seg.list {
		obj, ok := node.(map[string]any)
		if exists && node != nil && !ok {
			return // a scalar where an object is expected: Gatekeeper leaves it alone
		}
		created := false
		if obj == nil {
			obj, created = map[string]any{}, true
		}
		child, childExists := obj[seg.field]
		m.walk(child, childExists, func(v any) {
			obj[seg.field] = v
			if created {
				set(obj)
				created = false
			}
		}, d+1, join(path, seg.field), s, out)
		return
	}
	list, ok := node.([]any)
	if exists && node != nil && !ok {
		return
	}
	found := false
	for i := range list {
		el, ok := list[i].(map[string]any)
		if !ok {
			continue
		}
		kv, hasKey := el[seg.key]
		if !hasKey || (!seg.glob && fmt.Sprint(kv) != seg.value) {
			continue
		}
		found = true
		i := i
		m.walk(el, true, func(v any) { list[i] = v }, d+1, join(path, strconv.Itoa(i)), s, out)
	}
	if found || seg.glob {
		return
	}
	// A keyed selector that matches nothing adds the element.
	el := map[string]any{seg.key: seg.value}
	idx := len(list)
	m.walk(el, false, func(v any) {
		list = append(list, v)
		set(list)
	}, d+1, join(path, strconv.Itoa(idx)), s, out)
}

func (m *mutator) leaf(node any, exists bool, set func(any), path string, s *subject, out *[]change) {
	switch m.kind {
	case KindAssign:
		v := m.value
		switch m.fromMetadata {
		case "namespace":
			v = s.namespace
		case "name":
			v = s.name
		}
		if exists && reflect.DeepEqual(node, v) {
			return
		}
		set(deepCopy(v))
		*out = append(*out, change{mutator: m.id(), path: path, value: v})
	case KindAssignMetadata:
		if exists {
			return
		}
		set(m.value)
		*out = append(*out, change{mutator: m.id(), path: path, value: m.value})
	case KindModifySet:
		list, ok := node.([]any)
		if exists && node != nil && !ok {
			return
		}
		changed := false
		if m.prune {
			var kept []any
			for _, x := range list {
				if slices.ContainsFunc(m.values, func(v any) bool { return reflect.DeepEqual(v, x) }) {
					changed = true
					continue
				}
				kept = append(kept, x)
			}
			if changed {
				set(kept)
			}
		} else {
			for _, v := range m.values {
				if !slices.ContainsFunc(list, func(x any) bool { return reflect.DeepEqual(v, x) }) {
					list = append(list, deepCopy(v))
					changed = true
				}
			}
			if changed {
				set(list)
			}
		}
		if changed {
			*out = append(*out, change{mutator: m.id(), path: path, value: m.values, prune: m.prune})
		}
	case KindAssignImage:
		img, ok := node.(string)
		if !ok {
			return
		}
		domain, p, tag := splitImage(img)
		if m.hasDomain {
			domain = m.domain
		}
		if m.hasPath {
			p = m.path
		}
		if m.hasTag {
			tag = m.tag
		}
		next := p + tag
		if domain != "" {
			next = domain + "/" + next
		}
		if next != img {
			set(next)
			*out = append(*out, change{mutator: m.id(), path: path, value: next})
		}
	}
}

func (m *mutator) id() string { return m.kind + "/" + m.name }

// splitImage splits an image reference as AssignImage does: domain (only when the first
// component looks like a host), path, and the tag or digest with its ":" or "@".
func splitImage(img string) (domain, path, tag string) {
	rest := img
	if i := strings.Index(rest, "@"); i >= 0 {
		rest, tag = rest[:i], rest[i:]
	} else if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		rest, tag = rest[:i], rest[i:]
	}
	if first, remainder, ok := strings.Cut(rest, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first, remainder, tag
	}
	return "", rest, tag
}

// sortMutators orders mutators as Gatekeeper does: by kind, then name.
func sortMutators(ms []*mutator) {
	slices.SortFunc(ms, func(a, b *mutator) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.name, b.name)) })
}

// runMutators applies the mutators until the object stops changing, as Gatekeeper does
// (at most one round more than there are mutators).
func runMutators(ms []*mutator, obj map[string]any, s *subject) ([]change, error) {
	var all []change
	for round := 0; round <= len(ms); round++ {
		var changed []change
		for _, m := range ms {
			if m.applies(s) {
				changed = append(changed, m.mutate(obj, s)...)
			}
		}
		if len(changed) == 0 {
			return all, nil
		}
		all = append(all, changed...)
	}
	return all, fmt.Errorf("the mutators do not converge on this object")
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// deepCopy copies the maps and lists of a decoded JSON value.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}
