package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// renderer renders the sources of the Applications found in the input.
type renderer struct {
	ctx    context.Context
	ch     *checker
	c      *Context
	repo   *repository
	byFile map[string][]*Object // input objects by absolute file, for directory sources
}

func newRenderer(ch *checker, c *Context) *renderer {
	return &renderer{ch: ch, c: c, repo: c.repo, byFile: map[string][]*Object{}}
}

// source is one thing to render: an Application's source, or a chart or overlay given
// as an input path.
type source struct {
	app       string // Application name; "" for a standalone chart or overlay
	appObj    *Object
	spec      *argocdmanaged.ApplicationSource
	dir       string // absolute
	namespace string
}

func (r *renderer) renderAll(ctx context.Context, objs []*Object, standalone []string) ([]*Object, []Finding) {
	r.ctx = ctx
	for _, o := range objs {
		if o.abs != "" {
			r.byFile[o.abs] = append(r.byFile[o.abs], o)
		}
	}
	var out []*Object
	var findings []Finding
	for _, dir := range standalone {
		o, f := r.render(source{dir: dir})
		out, findings = append(out, o...), append(findings, f...)
	}
	for _, o := range objs {
		if ctx.Err() != nil {
			break
		}
		if o.RenderedBy != "" && o.RenderedBy != "directory" {
			continue
		}
		var apps []*Object
		switch {
		case o.Is(argocdmanaged.Group, argocdmanaged.KindApplication):
			apps = []*Object{o}
		case o.Is(argocdmanaged.Group, argocdmanaged.KindApplicationSet):
			apps = expandListGenerator(o)
		default:
			continue
		}
		for _, a := range apps {
			o2, f := r.renderApplication(a)
			out, findings = append(out, o2...), append(findings, f...)
		}
	}
	return out, findings
}

func (r *renderer) renderApplication(o *Object) ([]*Object, []Finding) {
	app, err := o.ApplicationObject()
	if err != nil {
		return nil, nil // the rules report what they can; an undecodable spec renders nothing
	}
	info := func(format string, args ...any) Finding {
		return Finding{Rule: RuleNotRendered, Severity: SeverityInfo, File: o.File, Line: o.Line,
			Object: o.Ref(), Message: fmt.Sprintf(format, args...)}
	}
	var out []*Object
	var findings []Finding
	for _, src := range app.Spec.AllSources() {
		switch {
		case src.Chart != "":
			findings = append(findings, info("source %s chart %s is from a Helm repository, so what it deploys is not checked", src.RepoURL, src.Chart))
			continue
		case src.Ref != "" && src.Path == "":
			continue // a values-only source, used through $ref by another source
		case r.repo == nil:
			findings = append(findings, info("source %s is not rendered: the checked paths are not in a git repository with an origin remote and no --repo-url was given", src.RepoURL))
			continue
		case NormalizeRepoURL(src.RepoURL) != r.repo.url:
			findings = append(findings, info("source %s is another repository than the one checked (%s), so what it deploys is not checked", src.RepoURL, r.repo.url))
			continue
		}
		dir := filepath.Join(r.repo.root, filepath.FromSlash(src.Path))
		if !inside(r.repo.root, dir) {
			findings = append(findings, Finding{Rule: RuleRenderFailed, File: o.File, Line: o.Line, Object: o.Ref(),
				Message: fmt.Sprintf("source path %q leaves the repository", src.Path)})
			continue
		}
		objs, f := r.render(source{app: app.Name, appObj: o, spec: src, dir: dir, namespace: app.Spec.Destination.Namespace})
		out, findings = append(out, objs...), append(findings, f...)
	}
	return out, findings
}

func (r *renderer) render(s source) ([]*Object, []Finding) {
	kind := isSourceDir(s.dir)
	if kind == "" && s.spec != nil && s.spec.Helm != nil {
		kind = "helm"
	}
	var objs []*Object
	var findings []Finding
	var err error
	switch kind {
	case "helm":
		objs, findings, err = r.renderHelm(s)
	case "kustomize":
		objs, findings, err = r.renderKustomize(s)
	default:
		if s.spec == nil {
			return nil, nil
		}
		objs, findings, err = r.renderDirectory(s)
	}
	if err != nil {
		f := Finding{Rule: RuleRenderFailed, File: r.ch.display(s.dir), Application: s.app,
			Message: fmt.Sprintf("rendering %s %s: %v", kindName(kind), r.ch.display(s.dir), oneLine(err))}
		if s.appObj != nil {
			f.Object = s.appObj.Ref()
		}
		findings = append(findings, f)
	}
	for _, o := range objs {
		if o.RenderedBy == "" {
			o.RenderedBy = kind
		}
		o.Application = s.app
		if o.Namespace == "" && s.namespace != "" && !r.c.IsClusterScoped(o.GroupKind()) {
			o.Namespace = s.namespace
		}
	}
	for i := range findings {
		if findings[i].Application == "" {
			findings[i].Application = s.app
		}
	}
	return objs, findings
}

func kindName(kind string) string {
	switch kind {
	case "helm":
		return "Helm chart"
	case "kustomize":
		return "Kustomize overlay"
	}
	return "directory"
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

// parseRendered reads rendered output; its objects are named after the file they came from
// and have no line (the lines of rendered output are not those of any file).
func (r *renderer) parseRendered(display string, data []byte) ([]*Object, []Finding) {
	objs, findings := parseFile(display, data)
	for _, o := range objs {
		o.Line, o.doc = 0, nil
	}
	for i := range findings {
		findings[i].Line = 0
	}
	return objs, findings
}

// renderHelm renders a chart in-process as Argo CD does: release name from
// helm.releaseName or the Application's name, namespace from the destination, value files,
// values, valuesObject and parameters, in that order of precedence from low to high.
func (r *renderer) renderHelm(s source) ([]*Object, []Finding, error) {
	chrt, err := loader.Load(s.dir)
	if err != nil {
		return nil, nil, err
	}
	var findings []Finding
	vals := map[string]any{}
	release := filepath.Base(s.dir)
	if s.spec != nil {
		release = s.app
		if h := s.spec.Helm; h != nil {
			if h.ReleaseName != "" {
				release = h.ReleaseName
			}
			for _, vf := range h.ValueFiles {
				v, f, err := r.valueFile(s, vf)
				if err != nil {
					return nil, findings, err
				}
				findings = append(findings, f...)
				vals = mergeMaps(vals, v)
			}
			if h.Values != "" {
				var v map[string]any
				if err := yaml.Unmarshal([]byte(h.Values), &v); err != nil {
					return nil, findings, fmt.Errorf("helm.values: %w", err)
				}
				vals = mergeMaps(vals, v)
			}
			if len(h.ValuesObject) > 0 && string(h.ValuesObject) != "null" {
				var v map[string]any
				if err := json.Unmarshal(h.ValuesObject, &v); err != nil {
					return nil, findings, fmt.Errorf("helm.valuesObject: %w", err)
				}
				vals = mergeMaps(vals, v)
			}
			for _, p := range h.Parameters {
				var err error
				if p.ForceString != nil && *p.ForceString {
					err = strvals.ParseIntoString(p.Name+"="+p.Value, vals)
				} else {
					err = strvals.ParseInto(p.Name+"="+p.Value, vals)
				}
				if err != nil {
					return nil, findings, fmt.Errorf("helm.parameters %s: %w", p.Name, err)
				}
			}
		}
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, findings, err
	}
	rv, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{
		Name: release, Namespace: s.namespace, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, findings, err
	}
	out, err := engine.Render(chrt, rv)
	if err != nil {
		return nil, findings, err
	}
	var objs []*Object
	for _, crd := range chrt.CRDObjects() {
		o, f := r.parseRendered(r.templateFile(s.dir, chrt, crd.Filename), crd.File.Data)
		objs, findings = append(objs, o...), append(findings, f...)
	}
	for _, name := range sortedKeys(out) {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") || strings.EqualFold(base, "NOTES.txt") || strings.TrimSpace(out[name]) == "" {
			continue
		}
		o, f := r.parseRendered(r.templateFile(s.dir, chrt, name), []byte(out[name]))
		objs, findings = append(objs, o...), append(findings, f...)
	}
	return objs, findings, nil
}

// templateFile maps a template name ("chart/templates/x.yaml") to its file.
func (r *renderer) templateFile(dir string, chrt *chart.Chart, name string) string {
	rel := strings.TrimPrefix(name, chrt.Name()+"/")
	return r.ch.display(filepath.Join(dir, filepath.FromSlash(rel)))
}

// valueFile reads one helm.valueFiles entry. A helm-secrets file (secrets://...) that is
// sops-encrypted is not decrypted here: it is reported as info and left out. A plaintext
// one is used as it is, as helm-secrets passes it through (the unencrypted-secrets-file
// rule reports it). A vals reference is not a file.
func (r *renderer) valueFile(s source, vf string) (map[string]any, []Finding, error) {
	scheme, p := splitScheme(vf)
	if scheme != "" && strings.Contains(scheme, "literal") {
		return nil, nil, nil
	}
	if strings.Contains(p, "://") {
		return nil, []Finding{{Rule: RuleNotRendered, Severity: SeverityInfo, File: s.appObj.File, Line: s.appObj.Line,
			Object: s.appObj.Ref(), Message: fmt.Sprintf("value file %s is remote; it is left out of the rendering", vf)}}, nil
	}
	abs := resolveValueFile(r.repo.root, s.dir, p)
	if !inside(r.repo.root, abs) {
		return nil, nil, fmt.Errorf("value file %s leaves the repository", vf)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("value file %s: %w", vf, err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, nil, fmt.Errorf("value file %s: %w", vf, err)
	}
	if _, enc := v["sops"]; enc && scheme != "" {
		why := "no decryption key was given"
		if d := r.ch.opts.Decrypter; d != nil {
			plain, err := d.Decrypt(r.ctx, abs, data)
			if err == nil {
				var dv map[string]any
				if err = yaml.Unmarshal(plain, &dv); err == nil {
					return dv, nil, nil
				}
			}
			why = "decrypting it failed: " + oneLine(err)
		}
		return nil, []Finding{{Rule: RuleNotRendered, Severity: SeverityInfo, File: r.ch.display(abs),
			Object: s.appObj.Ref(), Message: fmt.Sprintf("value file %s is sops-encrypted and was not decrypted (%s); the rendering uses none of its values", vf, why)}}, nil
	}
	return v, nil, nil
}

// splitScheme splits "secrets://x.yaml" into ("secrets", "x.yaml"); a plain path has no
// scheme.
func splitScheme(vf string) (string, string) {
	if i := strings.Index(vf, "://"); i > 0 && !strings.ContainsAny(vf[:i], "/.") {
		return vf[:i], vf[i+3:]
	}
	return "", vf
}

// resolveValueFile resolves a value file as Argo CD does: relative to the source path, or
// to the repository root when it starts with "/".
func resolveValueFile(root, dir, p string) string {
	if strings.HasPrefix(p, "/") {
		return filepath.Join(root, filepath.FromSlash(p))
	}
	return filepath.Join(dir, filepath.FromSlash(p))
}

func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bv, ok := v.(map[string]any); ok {
			if av, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(av, bv)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// kustomizeMu serialises builds: kustomize keeps global state and is not safe to run
// concurrently.
var kustomizeMu sync.Mutex

func (r *renderer) renderKustomize(s source) ([]*Object, []Finding, error) {
	root := s.dir
	if r.repo != nil {
		root = r.repo.root
	}
	fsys := confinedFS{FileSystem: filesys.MakeFsOnDisk(), root: root}
	kustomizeMu.Lock()
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, s.dir)
	kustomizeMu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	data, err := resMap.AsYaml()
	if err != nil {
		return nil, nil, err
	}
	file := s.dir
	for _, name := range kustomizationFiles {
		if fileExists(filepath.Join(s.dir, name)) {
			file = filepath.Join(s.dir, name)
			break
		}
	}
	objs, findings := r.parseRendered(r.ch.display(file), data)
	if s.spec != nil && s.spec.Kustomize != nil && s.spec.Kustomize.Namespace != "" {
		for _, o := range objs {
			if !r.c.IsClusterScoped(o.GroupKind()) {
				o.Namespace = s.spec.Kustomize.Namespace
			}
		}
	}
	return objs, findings, nil
}

// confinedFS is the disk, with every read outside root refused, so that an overlay cannot
// read files from outside the repository.
type confinedFS struct {
	filesys.FileSystem
	root string
}

var errOutside = errors.New("outside the repository")

func (f confinedFS) ok(p string) bool {
	abs, err := filepath.Abs(p)
	return err == nil && inside(f.root, abs)
}

func (f confinedFS) Open(p string) (filesys.File, error) {
	if !f.ok(p) {
		return nil, fmt.Errorf("%s: %w", p, errOutside)
	}
	return f.FileSystem.Open(p)
}

func (f confinedFS) ReadFile(p string) ([]byte, error) {
	if !f.ok(p) {
		return nil, fmt.Errorf("%s: %w", p, errOutside)
	}
	return f.FileSystem.ReadFile(p)
}

func (f confinedFS) ReadDir(p string) ([]string, error) {
	if !f.ok(p) {
		return nil, fmt.Errorf("%s: %w", p, errOutside)
	}
	return f.FileSystem.ReadDir(p)
}

func (f confinedFS) IsDir(p string) bool { return f.ok(p) && f.FileSystem.IsDir(p) }

func (f confinedFS) Exists(p string) bool { return f.ok(p) && f.FileSystem.Exists(p) }

func (f confinedFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if !f.ok(p) {
		return "", "", fmt.Errorf("%s: %w", p, errOutside)
	}
	return f.FileSystem.CleanedAbs(p)
}

func (f confinedFS) Glob(pattern string) ([]string, error) {
	m, err := f.FileSystem.Glob(pattern)
	return slices.DeleteFunc(m, func(p string) bool { return !f.ok(p) }), err
}

func (f confinedFS) Walk(p string, fn filepath.WalkFunc) error {
	if !f.ok(p) {
		return fmt.Errorf("%s: %w", p, errOutside)
	}
	return f.FileSystem.Walk(p, fn)
}

// renderDirectory reads a plain directory source as Argo CD does: .yaml, .yml and .json
// files, recursively only with directory.recurse, filtered by include and exclude globs.
// Files that are already in the input are not read twice: their objects are marked as
// deployed by the Application.
func (r *renderer) renderDirectory(s source) ([]*Object, []Finding, error) {
	var recurse bool
	var include, exclude string
	if d := s.spec.Directory; d != nil {
		recurse = d.Recurse != nil && *d.Recurse
		include, exclude = d.Include, d.Exclude
	}
	st, err := os.Stat(s.dir)
	if err != nil {
		return nil, nil, err
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("%s is not a directory", r.ch.display(s.dir))
	}
	var objs []*Object
	var findings []Finding
	err = filepath.WalkDir(s.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != s.dir && (!recurse || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(s.dir, p)
		rel = filepath.ToSlash(rel)
		if !manifestExt(d.Name()) || (exclude != "" && argoGlob(exclude, rel)) || (include != "" && !argoGlob(include, rel)) {
			return nil
		}
		if known, ok := r.byFile[p]; ok {
			for _, o := range known {
				if o.Application == "" {
					o.Application, o.RenderedBy = s.app, "directory"
					if o.Namespace == "" && s.namespace != "" && !r.c.IsClusterScoped(o.GroupKind()) {
						o.Namespace = s.namespace
					}
				}
			}
			return nil
		}
		data, err := readFile(inputFile{abs: p}, nil, r.ch.opts.MaxFileSize)
		if err != nil {
			findings = append(findings, Finding{Rule: RuleInvalidManifest, File: r.ch.display(p), Message: fileProblem(err)})
			return nil
		}
		o, f := parseFile(r.ch.display(p), data)
		for _, x := range o {
			x.abs = p
		}
		r.byFile[p] = o
		objs, findings = append(objs, o...), append(findings, f...)
		return nil
	})
	return objs, findings, err
}

// argoGlob matches Argo CD's directory include/exclude: "*" crosses "/", and {a,b} lists
// alternatives.
func argoGlob(pattern, name string) bool {
	for _, p := range expandBraces(pattern) {
		g, err := compileArgoGlob(p)
		if err == nil && g.MatchString(name) {
			return true
		}
	}
	return false
}

func compileArgoGlob(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for _, c := range p {
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func expandBraces(p string) []string {
	i := strings.IndexByte(p, '{')
	j := strings.IndexByte(p, '}')
	if i < 0 || j < i {
		return []string{p}
	}
	var out []string
	for _, alt := range strings.Split(p[i+1:j], ",") {
		out = append(out, expandBraces(p[:i]+alt+p[j+1:])...)
	}
	return out
}

// expandListGenerator turns an ApplicationSet with list generators into the Applications
// it would generate, for rendering. Other generators need the cluster or a git server.
func expandListGenerator(o *Object) []*Object {
	spec := o.Map("spec")
	tmpl, _ := spec["template"].(map[string]any)
	gens, _ := spec["generators"].([]any)
	if tmpl == nil {
		return nil
	}
	goTemplate, _ := spec["goTemplate"].(bool)
	raw, err := json.Marshal(tmpl)
	if err != nil {
		return nil
	}
	var out []*Object
	for _, g := range gens {
		gm, _ := g.(map[string]any)
		list, _ := gm["list"].(map[string]any)
		elems, _ := list["elements"].([]any)
		for _, e := range elems {
			params, _ := e.(map[string]any)
			text := substitute(string(raw), params, goTemplate)
			var m map[string]any
			if json.Unmarshal([]byte(text), &m) != nil {
				continue
			}
			m["apiVersion"], m["kind"] = argocdmanaged.APIVersion, argocdmanaged.KindApplication
			app := &Object{File: o.File, Line: o.Line, abs: o.abs, APIVersion: argocdmanaged.APIVersion,
				Kind: argocdmanaged.KindApplication, Group: argocdmanaged.Group, Content: m, RenderedBy: "applicationset"}
			if md, ok := m["metadata"].(map[string]any); ok {
				app.Name, _ = md["name"].(string)
				app.Namespace, _ = md["namespace"].(string)
			}
			if app.Namespace == "" {
				app.Namespace = o.Namespace
			}
			out = append(out, app)
		}
	}
	return out
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
