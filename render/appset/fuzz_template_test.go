package appset

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTemplate feeds template strings and parameter values to the renderer in both of Argo
// CD's modes (fasttemplate and goTemplate, with and without missingkey=error): it never
// panics, a string with no "{{" comes back as it is, a lone parameter reference renders
// the parameter's value, and what it renders is bounded.
func FuzzTemplate(f *testing.F) {
	for _, seed := range []struct {
		tmpl, value string
		goTemplate  bool
	}{
		{"{{name}}-app", "guestbook", false},
		{"{{ .name | upper }}", "guestbook", true},
		{"{{ .path.basename }}", "x", true},
		{"{{ index .values \"k\" | default \"d\" }}", "x", true},
		{"{{ repeat 3 .name }}", "ab", true},
		{"{{ range until 3 }}{{ . }}{{ end }}", "", true},
		{"{{ toYaml . | fromYaml }}", "x", true},
		{"{{ normalize .name }}{{ slugify .name }}", "Hello World_x", true},
		{"{{", "", false},
		{"{{ .a }", "", true},
		{"{{ template \"x\" }}", "", true},
	} {
		f.Add(seed.tmpl, seed.value, seed.goTemplate)
	}
	f.Fuzz(func(t *testing.T, tmpl, value string, goTemplate bool) {
		params := map[string]any{"name": value, "values": map[string]any{"k": value}, "path": map[string]any{"basename": value}}
		for _, options := range [][]string{nil, {"missingkey=error"}} {
			r := newRenderer(goTemplate, options, nil)
			out, err := r.replace(tmpl, params, nil)
			if err != nil {
				continue
			}
			if !strings.Contains(tmpl, "{{") && out != tmpl {
				t.Fatalf("a string without a template changed: %q became %q", tmpl, out)
			}
			if len(out) > maxRendered {
				t.Fatalf("rendered %d bytes, more than the bound of %d", len(out), maxRendered)
			}
		}
		if utf8.ValidString(value) && !strings.Contains(value, "{{") {
			fast, err := newRenderer(false, nil, nil).replace("{{name}}", params, nil)
			if err != nil || fast != value {
				t.Fatalf("fasttemplate {{name}} rendered %q, %v; want %q", fast, err, value)
			}
			gt, err := newRenderer(true, nil, nil).replace("{{ .name }}", params, nil)
			if err != nil || gt != value {
				t.Fatalf("goTemplate {{ .name }} rendered %q, %v; want %q", gt, err, value)
			}
		}
	})
}
