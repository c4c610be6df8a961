package render

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// generate turns an ApplicationSet into the Applications its list generators would
// generate. Other generators need the cluster or a git server: a not-rendered note.
func (r *Renderer) generate(_ context.Context, m Manifest) ([]map[string]any, []Note) {
	spec, _ := m.Content["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	gens, _ := spec["generators"].([]any)
	name := metaString(m.Content, "name")
	if tmpl == nil {
		return nil, nil
	}
	goTemplate, _ := spec["goTemplate"].(bool)
	raw, err := json.Marshal(tmpl)
	if err != nil {
		return nil, nil
	}
	var out []map[string]any
	var notes []Note
	for _, g := range gens {
		gm, _ := g.(map[string]any)
		list, ok := gm["list"].(map[string]any)
		if !ok {
			for k := range gm {
				if k != "selector" && k != "template" {
					notes = append(notes, Note{Kind: NoteNotRendered, File: m.File, Line: m.Line, Source: "generator " + k,
						Message: fmt.Sprintf("ApplicationSet %s: the %s generator is not expanded here, so the Applications it generates are not checked", name, k)})
				}
			}
			continue
		}
		elems, _ := list["elements"].([]any)
		for _, e := range elems {
			params, _ := e.(map[string]any)
			text := substitute(string(raw), params, goTemplate)
			var app map[string]any
			if json.Unmarshal([]byte(text), &app) != nil {
				continue
			}
			app["apiVersion"], app["kind"] = argocdmanaged.APIVersion, argocdmanaged.KindApplication
			md, _ := app["metadata"].(map[string]any)
			if md == nil {
				md = map[string]any{}
				app["metadata"] = md
			}
			if ns, _ := md["namespace"].(string); ns == "" {
				if ns := metaString(m.Content, "namespace"); ns != "" {
					md["namespace"] = ns
				}
			}
			out = append(out, app)
		}
	}
	return out, notes
}

// substitute fills {{key}} (fasttemplate) or {{ .key }} (goTemplate) with string
// parameters; other expressions stay as they are.
func substitute(text string, params map[string]any, goTemplate bool) string {
	for _, k := range sortedKeys(params) {
		v, ok := params[k].(string)
		if !ok {
			b, _ := json.Marshal(params[k])
			v = string(b)
		}
		js, _ := json.Marshal(v)
		val := string(js[1 : len(js)-1])
		if goTemplate {
			for _, form := range []string{"{{.%s}}", "{{ .%s }}", "{{ .%s}}", "{{.%s }}"} {
				text = strings.ReplaceAll(text, fmt.Sprintf(form, k), val)
			}
		} else {
			for _, form := range []string{"{{%s}}", "{{ %s }}"} {
				text = strings.ReplaceAll(text, fmt.Sprintf(form, k), val)
			}
		}
	}
	return text
}
