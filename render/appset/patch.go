package appset

import (
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// applyPatch is renderTemplatePatch and applyTemplatePatch: templatePatch rendered with the
// parameters, read as JSON (or YAML), merged into the Application (objects merged key by key,
// null deleting a key, lists replaced: a strategic merge patch over the Application type,
// which has no list merge keys), spec.project kept as the template made it.
func (g *generation) applyPatch(app map[string]any, params map[string]any) (map[string]any, error) {
	s, err := g.tmpl.replace(*g.patch, params, nil)
	if err != nil {
		return nil, fmt.Errorf("error replacing values in templatePatch: %v", err)
	}
	js := s
	if t := strings.TrimSpace(s); t == "" || t[0] != '{' {
		b, err := yaml.YAMLToJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("error while converting template to json %q: %v", s, err)
		}
		js = string(b)
	}
	var patch map[string]any
	if err := json.Unmarshal([]byte(js), &patch); err != nil {
		return nil, fmt.Errorf("invalid templatePatch %q: %v", js, err)
	}
	project, hadProject := nestedString(app, "spec", "project")
	out := mergePatch(app, patch).(map[string]any)
	if _, ok := out["metadata"].(map[string]any); !ok {
		out["metadata"] = map[string]any{}
	}
	spec, _ := out["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
		out["spec"] = spec
	}
	if hadProject {
		spec["project"] = project
	} else {
		delete(spec, "project")
	}
	return out, nil
}

func nestedString(m map[string]any, keys ...string) (string, bool) {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur, ok = mm[k]
		if !ok {
			return "", false
		}
	}
	s, ok := cur.(string)
	return s, ok
}

func mergePatch(orig, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	om, ok := orig.(map[string]any)
	if !ok {
		om = map[string]any{}
	}
	out := make(map[string]any, len(om)+len(pm))
	for k, v := range om {
		out[k] = v
	}
	for k, v := range pm {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}
