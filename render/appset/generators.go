package appset

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"sigs.k8s.io/yaml"
)

// generatorKinds are the generator fields of ApplicationSetGenerator in Argo CD's field
// order, which is the order it evaluates them in when one entry holds several.
var generatorKinds = []string{"list", "clusters", "git", "scmProvider", "clusterDecisionResource", "pullRequest", "matrix", "merge", "plugin"}

// offlineKinds cannot be expanded from a checkout, and what they need instead.
var offlineKinds = map[string]string{
	"scmProvider":             "it lists repositories from an SCM provider's API",
	"pullRequest":             "it lists pull requests from an SCM provider's API",
	"clusterDecisionResource": "it reads a cluster decision resource from the cluster",
	"plugin":                  "it asks a generator plugin service",
}

// valuesKinds are the generators with a values map, which Argo CD resolves through a filter
// when a matrix passes parameters to them.
var valuesKinds = map[string]bool{"clusters": true, "git": true, "scmProvider": true, "pullRequest": true, "clusterDecisionResource": true, "plugin": true}

// maxDepth is the deepest level at which matrix and merge are recognised: a matrix or merge
// inside a top-level matrix or merge (level 1) may hold only plain generators (level 2).
const maxDepth = 1

type transformResult struct {
	params       []map[string]any
	template     map[string]any
	templatePath string
}

// notRendered is a generator that cannot be expanded offline.
type notRendered struct {
	where, msg string
	// otherRepo is the repoURL of a git generator on another repository.
	otherRepo string
}

func (e *notRendered) Error() string { return e.where + ": " + e.msg }

func asNotRendered(err error) (*notRendered, bool) {
	var nr *notRendered
	ok := errors.As(err, &nr)
	return nr, ok
}

// genError is bad input at a generator that Argo CD fails on too.
type genError struct{ where, msg string }

func (e *genError) Error() string { return e.where + ": " + e.msg }

func failAt(where, format string, args ...any) error {
	return &genError{where: where, msg: fmt.Sprintf(format, args...)}
}

// transform is generators.Transform: the parameter sets of each generator in one entry,
// filtered by the entry's selector, with the template each is rendered into.
func (g *generation) transform(gen map[string]any, where string, base map[string]any, genParams map[string]any, depth int) ([]transformResult, error) {
	sel, err := parseSelector(gen["selector"])
	if err != nil {
		return nil, failAt(where+".selector", "error parsing label selector: %v", err)
	}
	var kinds []string
	for _, k := range generatorKinds {
		if depth > maxDepth && (k == "matrix" || k == "merge") {
			continue
		}
		if v, ok := gen[k]; ok && v != nil {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 && depth == 0 {
		for k := range gen {
			if k != "selector" {
				g.note(NoteNotRendered, where, fmt.Sprintf("unrecognized generator %q: Argo CD ignores it", k))
			}
		}
	}
	var res []transformResult
	for _, kind := range kinds {
		at := where + "." + kind
		body, _ := gen[kind].(map[string]any)
		if body == nil {
			return nil, failAt(at, "the %s generator must be an object", kind)
		}
		template, templatePath := base, "spec.template"
		if depth == 0 {
			if override, ok := body["template"].(map[string]any); ok && len(override) > 0 {
				template = mergeTemplate(override, base)
				templatePath = at + ".template"
			}
		}
		if why, ok := offlineKinds[kind]; ok {
			return nil, &notRendered{where: at, msg: fmt.Sprintf("the %s generator is not expanded offline: %s", kind, why)}
		}
		interpolated := gen
		if len(genParams) != 0 {
			interpolated, err = g.interpolate(gen, genParams)
			if err != nil {
				return nil, failAt(at, "interpolating the parameters of the first matrix generator: %v", err)
			}
		}
		ibody, _ := interpolated[kind].(map[string]any)
		params, err := g.generateParams(kind, ibody, at, depth)
		if err != nil {
			return nil, err
		}
		var kept []map[string]any
		for _, p := range params {
			if sel != nil && !sel.matches(flattenParams(p)) {
				continue
			}
			kept = append(kept, p)
		}
		res = append(res, transformResult{params: kept, template: template, templatePath: templatePath})
	}
	return res, nil
}

func (g *generation) generateParams(kind string, body map[string]any, where string, depth int) ([]map[string]any, error) {
	switch kind {
	case "list":
		return g.listParams(body, where)
	case "clusters":
		return g.clusterParams(body, where)
	case "git":
		return g.gitParams(body, where)
	case "matrix":
		return g.matrixParams(body, where, depth)
	case "merge":
		return g.mergeParams(body, where, depth)
	}
	return nil, failAt(where, "unknown generator %s", kind)
}

// interpolate is InterpolateGenerator: the second generator of a matrix rendered with the
// parameters of the first. Values are resolved with missingkey=error for Go templates and
// left as they are where a key is missing, to be resolved with the generator's own
// parameters.
func (g *generation) interpolate(gen map[string]any, params map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(gen))
	for k, v := range gen {
		body, isMap := v.(map[string]any)
		if !valuesKinds[k] || !isMap {
			r, err := g.tmpl.deep(v, params, nil)
			if err != nil {
				return nil, err
			}
			out[k] = r
			continue
		}
		rb := make(map[string]any, len(body))
		for bk, bv := range body {
			if bk != "values" {
				r, err := g.tmpl.deep(bv, params, nil)
				if err != nil {
					return nil, err
				}
				rk, err := g.tmpl.replace(bk, params, nil)
				if err != nil {
					return nil, err
				}
				rb[rk] = r
				continue
			}
			values, _ := bv.(map[string]any)
			if values == nil {
				rb[bk] = bv
				continue
			}
			opts := g.options
			if g.goTemplate {
				opts = nil
				for _, o := range g.options {
					if !strings.HasPrefix(o, "missingkey=") {
						opts = append(opts, o)
					}
				}
				opts = append(opts, "missingkey=error")
			}
			resolved := make(map[string]any, len(values))
			for vk, vv := range values {
				s, ok := vv.(string)
				if !ok {
					resolved[vk] = vv
					continue
				}
				r, err := g.tmpl.replace(s, params, opts)
				if err != nil {
					if isMissingKeyError(err) {
						resolved[vk] = s
						continue
					}
					return nil, fmt.Errorf("failed to pre-resolve Values key %q: %w", vk, err)
				}
				resolved[vk] = r
			}
			rb[bk] = resolved
		}
		out[k] = rb
	}
	return out, nil
}

func isMissingKeyError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "map has no entry for key") || strings.Contains(msg, "can't evaluate field")
}

// listParams is the list generator: elements and elementsYaml.
func (g *generation) listParams(body map[string]any, where string) ([]map[string]any, error) {
	elements := asSlice(body["elements"])
	res := make([]map[string]any, len(elements))
	for i, e := range elements {
		element, ok := e.(map[string]any)
		if !ok {
			return nil, failAt(fmt.Sprintf("%s.elements[%d]", where, i), "error unmarshling list element: an element must be an object")
		}
		if g.goTemplate {
			res[i] = element
			continue
		}
		params := map[string]any{}
		for key, value := range element {
			if key == "values" {
				values, ok := value.(map[string]any)
				if !ok {
					return nil, failAt(fmt.Sprintf("%s.elements[%d].values", where, i), "error parsing values map")
				}
				for k, v := range values {
					s, ok := v.(string)
					if !ok {
						return nil, failAt(fmt.Sprintf("%s.elements[%d].values.%s", where, i, k), "error parsing value as string: without goTemplate, list values must be strings")
					}
					params["values."+k] = s
				}
			} else {
				s, ok := value.(string)
				if !ok {
					return nil, failAt(fmt.Sprintf("%s.elements[%d].%s", where, i, key), "error parsing value as string: without goTemplate, list values must be strings")
				}
				params[key] = s
			}
			res[i] = params
		}
	}
	if y, _ := body["elementsYaml"].(string); y != "" {
		var extra []map[string]any
		if err := yaml.Unmarshal([]byte(y), &extra); err != nil {
			return nil, failAt(where+".elementsYaml", "error unmarshling decoded ElementsYaml: %v", err)
		}
		res = append(res, extra...)
	}
	return res, nil
}

// appendValues is appendTemplatedValues: the generator's values rendered with its own
// parameters, under values (Go templates) or values.KEY.
func (g *generation) appendValues(body map[string]any, params map[string]any, where string) error {
	raw, _ := body["values"].(map[string]any)
	if len(raw) == 0 {
		return nil
	}
	tmp := map[string]any{}
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			return failAt(where+".values."+k, "values must be strings")
		}
		r, err := g.tmpl.replace(s, params, nil)
		if err != nil {
			return failAt(where+".values."+k, "failed to replace templated string: %v", err)
		}
		if g.goTemplate {
			if tmp["values"] == nil {
				tmp["values"] = map[string]string{}
			}
			tmp["values"].(map[string]string)[k] = r
		} else {
			tmp["values."+k] = r
		}
	}
	maps.Copy(params, tmp)
	return nil
}

// matrixParams is the matrix generator: every parameter set of the first generator
// combined with every one of the second, the second rendered with the first's parameters.
func (g *generation) matrixParams(body map[string]any, where string, depth int) ([]map[string]any, error) {
	children := asSlice(body["generators"])
	if len(children) < 2 {
		return nil, failAt(where, "found less than two generators, Matrix support only two")
	}
	if len(children) > 2 {
		return nil, failAt(where, "found more than two generators, Matrix support only two")
	}
	g0, err := g.childParams(children[0], fmt.Sprintf("%s.generators[0]", where), nil, depth)
	if err != nil {
		return nil, err
	}
	res := []map[string]any{}
	for _, a := range g0 {
		g1, err := g.childParams(children[1], fmt.Sprintf("%s.generators[1]", where), a, depth)
		if err != nil {
			return nil, err
		}
		for _, b := range g1 {
			if g.goTemplate {
				tmp := map[string]any{}
				mergeOverride(tmp, b)
				mergeOverride(tmp, a)
				res = append(res, tmp)
				continue
			}
			val, err := combineStringMaps(a, b)
			if err != nil {
				return nil, failAt(where, "%v", err)
			}
			res = append(res, val)
		}
	}
	return res, nil
}

// childParams is the getParams of matrix and merge: the one transform result of a child.
func (g *generation) childParams(raw any, where string, params map[string]any, depth int) ([]map[string]any, error) {
	child, ok := raw.(map[string]any)
	if !ok {
		return nil, failAt(where, "a generator must be an object")
	}
	t, err := g.transform(child, where, map[string]any{}, params, depth+1)
	if err != nil {
		return nil, err
	}
	if len(t) == 0 {
		if depth+1 > maxDepth && (child["matrix"] != nil || child["merge"] != nil) {
			return nil, failAt(where, "matrix nested too deep: a matrix or merge inside a nested matrix or merge is ignored by Argo CD (child generator generated no parameters)")
		}
		return nil, failAt(where, "child generator generated no parameters")
	}
	if len(t) > 1 {
		return nil, failAt(where, "found more than one generator in matrix.Generators")
	}
	return t[0].params, nil
}

func combineStringMaps(a, b map[string]any) (map[string]any, error) {
	res := map[string]any{}
	for k, v := range a {
		res[k] = fmt.Sprintf("%v", v)
	}
	for k, v := range b {
		s := fmt.Sprintf("%v", v)
		if cur, ok := res[k]; ok && cur != s {
			return nil, fmt.Errorf("found duplicate key %s with different value, a: %s ,b: %s", k, cur, s)
		}
		res[k] = s
	}
	return res, nil
}

// mergeParams is the merge generator: the first generator's parameter sets, each
// overridden by the sets of later generators with the same values of the merge keys.
// Argo CD returns them in map order; here they keep the first generator's order.
func (g *generation) mergeParams(body map[string]any, where string, depth int) ([]map[string]any, error) {
	children := asSlice(body["generators"])
	if len(children) < 2 {
		return nil, failAt(where, "found less than two generators, Merge requires two or more")
	}
	var keys []string
	for _, k := range asSlice(body["mergeKeys"]) {
		if s, ok := k.(string); ok {
			keys = append(keys, s)
		}
	}
	sets := make([][]map[string]any, len(children))
	for i, c := range children {
		p, err := g.childParams(c, fmt.Sprintf("%s.generators[%d]", where, i), map[string]any{}, depth)
		if err != nil {
			return nil, err
		}
		sets[i] = p
	}
	baseOrder, base, err := byMergeKey(keys, sets[0], where)
	if err != nil {
		return nil, err
	}
	for _, s := range sets[1:] {
		_, over, err := byMergeKey(keys, s, where)
		if err != nil {
			return nil, err
		}
		for k, bp := range base {
			op, ok := over[k]
			if !ok {
				continue
			}
			if g.goTemplate {
				mergeOverride(bp, op)
			} else {
				maps.Copy(bp, op)
			}
		}
	}
	res := make([]map[string]any, 0, len(baseOrder))
	for _, k := range baseOrder {
		res = append(res, base[k])
	}
	return res, nil
}

func byMergeKey(keys []string, sets []map[string]any, where string) ([]string, map[string]map[string]any, error) {
	if len(keys) < 1 {
		return nil, nil, failAt(where, "no merge keys were specified, Merge requires at least one")
	}
	out := make(map[string]map[string]any, len(sets))
	var order []string
	for _, p := range sets {
		key := map[string]any{}
		for _, k := range keys {
			key[k] = p[k]
		}
		b, err := json.Marshal(key)
		if err != nil {
			return nil, nil, failAt(where, "error marshalling param set key json: %v", err)
		}
		if _, dup := out[string(b)]; dup {
			return nil, nil, failAt(where, "the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was %s", b)
		}
		out[string(b)] = p
		order = append(order, string(b))
	}
	return order, out, nil
}

// flattenParams is flattenParameters: nested parameters as dotted keys, values printed
// with %v, for selectors. As in Argo CD, map[string]string is opened only where it is a map
// value (not a list item), and lists of other types than []any are single values.
func flattenParams(in map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				walk(key+"."+k, e)
			}
		case []any:
			for i, e := range t {
				walk(key+"."+fmt.Sprint(i), e)
			}
		default:
			out[key] = fmt.Sprintf("%v", v)
		}
	}
	for k, v := range normalizeForFlatten(in) {
		walk(k, v)
	}
	return out
}

func normalizeForFlatten(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		switch t := v.(type) {
		case map[string]string:
			m := make(map[string]any, len(t))
			for ik, iv := range t {
				m[ik] = iv
			}
			out[k] = m
		case map[string]any:
			out[k] = normalizeForFlatten(t)
		default:
			out[k] = v
		}
	}
	return out
}
