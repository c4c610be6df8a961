package appset

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"github.com/gosimple/slug"
	"github.com/valyala/fasttemplate"
	"sigs.k8s.io/yaml"
)

// funcMap is Argo CD's template function set: sprig's generic functions without those that
// read the environment, plus its own; the sprig functions that allocate by a size argument
// are bounded (boundedFuncs).
var funcMap = func() template.FuncMap {
	m := sprig.GenericFuncMap()
	delete(m, "env")
	delete(m, "expandenv")
	delete(m, "getHostByName")
	m["normalize"] = sanitizeName
	m["slugify"] = slugifyName
	m["toYaml"] = toYAML
	m["fromYaml"] = fromYAML
	m["fromYamlArray"] = fromYAMLArray
	for name, f := range boundedFuncs() {
		m[name] = f
	}
	return template.FuncMap(m)
}()

var baseTemplate = template.New("base").Funcs(funcMap)

// isTemplated is Argo CD's test for a string that fasttemplate needs to look at.
var isTemplated = regexp.MustCompile(".*{{.*}}.*")

// renderer replaces parameters in strings as Argo CD's utils.Render does, keeping parsed
// templates for the strings it has seen.
type renderer struct {
	goTemplate bool
	options    []string
	parsed     map[string]*template.Template
	fast       map[string]*fasttemplate.Template
	shared     *Cache // parsed templates shared between calls; nil for none
}

func newRenderer(goTemplate bool, options []string, shared *Cache) *renderer {
	return &renderer{goTemplate: goTemplate, options: options, shared: shared,
		parsed: map[string]*template.Template{}, fast: map[string]*fasttemplate.Template{}}
}

// replace is Render.Replace: text/template with Argo CD's functions and options, or
// fasttemplate {{param}} replacement of string parameters.
func (r *renderer) replace(s string, params map[string]any, options []string) (string, error) {
	if options == nil {
		options = r.options
	}
	if r.goTemplate {
		if !strings.Contains(s, "{{") {
			// No action: text/template would copy the text as it is.
			return s, nil
		}
		t, err := r.parse(s, options)
		if err != nil {
			return "", err
		}
		var buf boundedBuffer
		if err := t.Execute(&buf, params); err != nil {
			return "", fmt.Errorf("failed to execute go template %s: %w", s, err)
		}
		return buf.String(), nil
	}
	if !isTemplated.MatchString(s) {
		return s, nil
	}
	t, ok := r.fast[s]
	if !ok {
		var err error
		t, err = fasttemplate.NewTemplate(s, "{{", "}}")
		if err != nil {
			return "", fmt.Errorf("invalid template: %w", err)
		}
		r.fast[s] = t
	}
	return t.ExecuteFuncString(func(w io.Writer, tag string) (int, error) {
		trimmed := strings.TrimSpace(tag)
		v, ok := params[trimmed].(string)
		if trimmed == "" || !ok {
			return fmt.Fprintf(w, "{{%s}}", tag)
		}
		return w.Write([]byte(v))
	}), nil
}

func (r *renderer) parse(s string, options []string) (*template.Template, error) {
	key := strings.Join(options, "\x00") + "\x01" + s
	if t, ok := r.parsed[key]; ok {
		return t, nil
	}
	t, err := cached(r.shared, func(c *Cache) map[string]*template.Template { return c.templates }, key, func() (*template.Template, error) {
		return parseTemplate(s, options)
	})
	if err != nil {
		return nil, err
	}
	r.parsed[key] = t
	return t, nil
}

// parseTemplate parses s with Argo CD's functions and the goTemplateOptions.
func parseTemplate(s string, options []string) (t *template.Template, err error) {
	defer func() {
		// template.Option panics on an option it does not know.
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("goTemplateOptions: %v", p)
		}
	}()
	cloned, err := baseTemplate.Clone()
	if err != nil {
		return nil, fmt.Errorf("failed to clone base template: %w", err)
	}
	for _, o := range options {
		cloned = cloned.Option(o)
	}
	t, err = cloned.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("failed to parse template %s: %w", s, err)
	}
	return t, nil
}

// deep replaces parameters in every string of v, map keys included, as deeplyReplace does
// over the typed object.
func (r *renderer) deep(v any, params map[string]any, options []string) (any, error) {
	if options == nil {
		options = r.options
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			re, err := r.deep(e, params, options)
			if err != nil {
				return nil, err
			}
			rk, err := r.replace(k, params, options)
			if err != nil {
				return nil, err
			}
			out[rk] = re
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			re, err := r.deep(e, params, options)
			if err != nil {
				return nil, err
			}
			out[i] = re
		}
		return out, nil
	case string:
		return r.replace(t, params, options)
	default:
		return v, nil
	}
}

// sanitizeName is Argo CD's normalize function: lower case, characters other than
// [-a-z0-9.] replaced by "-", at most 253 characters, no leading or trailing "-" or ".".
func sanitizeName(name string) string {
	name = strings.ToLower(name)
	name = invalidDNSNameChars.ReplaceAllString(name, "-")
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.Trim(name, "-.")
}

var invalidDNSNameChars = regexp.MustCompile("[^-a-z0-9.]")

// slugMu guards gosimple/slug's package-level options, which slugify sets per call as
// Argo CD does.
var slugMu sync.Mutex

func slugifyName(args ...any) string {
	maxSize := 50
	smart := true
	name := ""
	for i, a := range args {
		switch i {
		case len(args) - 1:
			name = a.(string)
		case 0:
			maxSize = a.(int)
		case 1:
			smart = a.(bool)
		}
	}
	slugMu.Lock()
	defer slugMu.Unlock()
	slug.EnableSmartTruncate = smart
	slug.MaxLength = maxSize
	return slug.Make(sanitizeName(name))
}

func toYAML(v any) (string, error) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}

func fromYAML(s string) (map[string]any, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

func fromYAMLArray(s string) ([]any, error) {
	a := []any{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		return nil, err
	}
	return a, nil
}
