package render

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
)

// helm renders a chart of the repository in-process as Argo CD's repo server runs `helm
// template`: release name from helm.releaseName or the Application's name, namespace
// from helm.namespace or the destination, value files, then values or valuesObject, then
// parameters and fileParameters; --include-crds unless skipCrds; kubeVersion and
// apiVersions into the capabilities.
func (s *srcRun) helm(ctx context.Context) ([]Object, error) {
	chrt, err := s.r.loadChart(s.dir)
	if err != nil {
		return nil, err
	}
	return s.helmChart(ctx, chrt, s.dir)
}

// helmChart renders a loaded chart; dir is where its files are shown from ("" for a
// chart from a Helm repository).
func (s *srcRun) helmChart(ctx context.Context, chrt *chart.Chart, dir string) ([]Object, error) {
	if err := s.dependencies(ctx, chrt); err != nil {
		return nil, err
	}
	h := s.src.Helm
	if h == nil {
		h = &helmSource{}
	}
	release := s.app.Name
	namespace := s.spec.destinationNamespace()
	if s.standalone {
		release, namespace = filepath.Base(s.dir), ""
	}
	if h.ReleaseName != "" {
		release = h.ReleaseName
	}
	if h.Namespace != "" {
		namespace = h.Namespace
	}
	vals, err := s.helmValues(ctx, h)
	if err != nil {
		return nil, err
	}
	caps := chartutil.DefaultCapabilities.Copy()
	if kv := h.KubeVersion; kv != "" {
		// The repo server passes only the semantic part (parseKubeVersion).
		v, err := chartutil.ParseKubeVersion(argoKubeVersion(kv))
		if err != nil {
			return nil, fmt.Errorf("helm.kubeVersion %q: %w", kv, err)
		}
		caps.KubeVersion = *v
	}
	caps.APIVersions = append(caps.APIVersions, h.APIVersions...)
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, err
	}
	rv, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, vals, chartutil.ReleaseOptions{
		Name: release, Namespace: namespace, Revision: 1, IsInstall: true,
	}, caps, h.SkipSchemaValidation)
	if err != nil {
		return nil, err
	}
	out, err := renderTemplates(ctx, chrt, rv, s.r.opts.MaxFileSize)
	if err != nil {
		return nil, err
	}
	file := s.chartFile(chrt, dir, s.src.Chart)
	var objs []Object
	err = eachRenderedFile(chrt, out, !h.SkipCrds, s.r.opts.MaxFileSize, func(name string, data []byte) error {
		o, err := parseRendered(file(name), data)
		if err != nil {
			return err
		}
		for _, x := range o {
			if !isTestHook(x) {
				objs = append(objs, x)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return objs, nil
}

// chartFile names a file of a chart in findings: in the checkout when the chart is the
// directory dir of it, else under name, the chart's name in its repository.
func (s *srcRun) chartFile(chrt *chart.Chart, dir, name string) func(string) string {
	return func(file string) string {
		rel := strings.TrimPrefix(file, chrt.Name()+"/")
		if dir == "" {
			return name + "/" + rel
		}
		return s.r.display(filepath.Join(dir, filepath.FromSlash(rel)))
	}
}

// eachRenderedFile hands add what helm template writes, in its order: the chart's CRDs
// when crds is set, then each rendered template by name, without partials, NOTES.txt and
// empty output. Past max bytes in all (when max > 0) it fails.
func eachRenderedFile(chrt *chart.Chart, out map[string]string, crds bool, max int64, add func(name string, data []byte) error) error {
	var total int64
	visit := func(name string, data []byte) error {
		total += int64(len(data))
		if max > 0 && total > max {
			return fmt.Errorf("the rendered output is more than the limit of %d bytes", max)
		}
		return add(name, data)
	}
	if crds {
		for _, crd := range chrt.CRDObjects() {
			if err := visit(crd.Filename, crd.File.Data); err != nil {
				return err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(out)) {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") || strings.EqualFold(base, "NOTES.txt") || strings.TrimSpace(out[name]) == "" {
			continue
		}
		if err := visit(name, []byte(out[name])); err != nil {
			return err
		}
	}
	return nil
}

// isTestHook says whether an object is a Helm test hook, which Argo CD does not deploy.
func isTestHook(o Object) bool {
	md, _ := o.Content["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	h, _ := ann["helm.sh/hook"].(string)
	return isTestHookValue(h)
}

// isTestHookValue says whether a helm.sh/hook annotation makes a Helm test hook.
func isTestHookValue(h string) bool {
	for _, p := range strings.Split(h, ",") {
		switch strings.TrimSpace(p) {
		case "test", "test-success", "test-failure":
			return true
		}
	}
	return false
}

func (s *appSpec) destinationNamespace() string { return s.Destination.Namespace }

// dependencies checks that the dependencies of Chart.yaml are there, vendored under
// charts/; the others come from the chart source, as `helm dependency build` would fetch
// them.
func (s *srcRun) dependencies(ctx context.Context, chrt *chart.Chart) error {
	// file:// dependencies are in the checkout: read them from there, confined, as `helm
	// dependency build` copies them.
	if chrt.Metadata != nil && s.dir != "" {
		for _, d := range chrt.Metadata.Dependencies {
			p, ok := strings.CutPrefix(d.Repository, "file://")
			if !ok || slices.ContainsFunc(chrt.Dependencies(), func(c *chart.Chart) bool { return c.Name() == d.Name }) {
				continue
			}
			dir := filepath.Join(s.dir, filepath.FromSlash(p))
			if !inside(s.r.rootAbs, dir) {
				return fmt.Errorf("dependency %s at %s leaves the repository", d.Name, d.Repository)
			}
			sub, err := s.r.loadChart(dir)
			if err != nil {
				return fmt.Errorf("dependency %s: %w", d.Name, err)
			}
			chrt.AddDependency(sub)
		}
	}
	missing := missingDependencies(chrt)
	if len(missing) == 0 {
		return nil
	}
	if s.r.opts.Charts == nil {
		return fmt.Errorf("the chart's dependencies %s are not vendored under charts/ and charts from Helm repositories are not fetched (run helm dependency build, or fetch charts)", strings.Join(missing, ", "))
	}
	if err := s.r.opts.Charts.Dependencies(ctx, chrt); err != nil {
		return chartSourceErr(fmt.Errorf("dependencies %s: %w", strings.Join(missing, ", "), err))
	}
	if m := missingDependencies(chrt); len(m) > 0 {
		return fmt.Errorf("the chart's dependencies %s could not be found", strings.Join(m, ", "))
	}
	return nil
}

func missingDependencies(chrt *chart.Chart) []string {
	if chrt.Metadata == nil {
		return nil
	}
	var missing []string
	for _, d := range chrt.Metadata.Dependencies {
		if !slices.ContainsFunc(chrt.Dependencies(), func(c *chart.Chart) bool { return c.Name() == d.Name }) {
			missing = append(missing, d.Name)
		}
	}
	return missing
}

// chartSourceErr turns an error of the chart source that says the network is off or the
// chart is not cached into "not rendered".
func chartSourceErr(err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "offline") || strings.Contains(msg, "not cached") || strings.Contains(msg, "not in the cache") {
		return &notRendered{msg: oneline.Lines(err.Error())}
	}
	return err
}

// remoteChart renders a source with a chart from a Helm repository or OCI registry.
func (s *srcRun) remoteChart() {
	s.kind = KindHelm
	if s.r.opts.Charts == nil {
		s.note(NoteNotRendered, "", "source %s: charts from Helm repositories are not fetched, so what it deploys is not checked", s.src.describe())
		return
	}
	s.dir = ""
	s.renderWith(KindHelm, func(ctx context.Context, sub *srcRun) ([]Object, error) {
		chrt, err := s.r.opts.Charts.Chart(ctx, s.src.RepoURL, s.src.Chart, s.src.TargetRevision)
		if err != nil {
			return nil, chartSourceErr(fmt.Errorf("fetching chart %s %s from %s: %w", s.src.Chart, s.src.TargetRevision, s.src.RepoURL, err))
		}
		return sub.helmChart(ctx, chrt, "")
	})
}

// helmValues merges the values as helm does for Argo CD's arguments: each --values file in
// order (the value files, then values or valuesObject), then --set, --set-string and
// --set-file.
func (s *srcRun) helmValues(ctx context.Context, h *helmSource) (map[string]any, error) {
	vals := map[string]any{}
	for _, vf := range h.ValueFiles {
		v, err := s.valueFile(ctx, vf, h.IgnoreMissingValueFiles)
		if err != nil {
			return nil, err
		}
		vals = mergeMaps(vals, v)
	}
	// Argo CD's ValuesYAML: valuesObject when set, else values.
	if len(h.ValuesObject) > 0 && string(h.ValuesObject) != "null" {
		var v map[string]any
		if err := json.Unmarshal(h.ValuesObject, &v); err != nil {
			return nil, fmt.Errorf("helm.valuesObject: %w", err)
		}
		vals = mergeMaps(vals, v)
	} else if strings.TrimSpace(h.Values) != "" {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(h.Values), &v); err != nil {
			return nil, fmt.Errorf("helm.values: %w", err)
		}
		vals = mergeMaps(vals, v)
	}
	for _, p := range h.Parameters {
		if p.ForceString {
			continue
		}
		if err := strvals.ParseInto(p.Name+"="+p.Value, vals); err != nil {
			return nil, fmt.Errorf("helm.parameters %s: %w", p.Name, err)
		}
	}
	for _, p := range h.Parameters {
		if !p.ForceString {
			continue
		}
		if err := strvals.ParseIntoString(p.Name+"="+p.Value, vals); err != nil {
			return nil, fmt.Errorf("helm.parameters %s: %w", p.Name, err)
		}
	}
	for _, p := range h.FileParameters {
		data, err := s.fileParameter(ctx, p)
		if err != nil {
			return nil, err
		}
		if err := strvals.ParseIntoFile(p.Name+"=x", vals, func([]rune) (any, error) { return string(data), nil }); err != nil {
			return nil, fmt.Errorf("helm.fileParameters %s: %w", p.Name, err)
		}
	}
	return vals, nil
}

// locate resolves a value file reference as Argo CD does: "$ref/path" from the root of
// the source with that ref, "/path" from the repository root, anything else from the
// source's path.
func (s *srcRun) locate(p string) (string, error) {
	if strings.HasPrefix(p, "$") {
		name, rest, _ := strings.Cut(p[1:], "/")
		ref, ok := s.refs[name]
		if !ok {
			return "", fmt.Errorf("$%s is the ref of no source of the Application", name)
		}
		if s.r.repoURL == "" || argocdmanaged.NormalizeRepoURL(ref.RepoURL) != s.r.repoURL {
			return "", &notRendered{msg: fmt.Sprintf("value file %s is in %s, another repository than the one checked", p, ref.RepoURL)}
		}
		abs := filepath.Join(s.r.rootAbs, filepath.FromSlash(rest))
		if !inside(s.r.rootAbs, abs) {
			return "", fmt.Errorf("value file %s leaves the repository", p)
		}
		return abs, nil
	}
	base := s.dir
	if strings.HasPrefix(p, "/") || base == "" {
		base = s.r.rootAbs
	}
	abs := filepath.Join(base, filepath.FromSlash(p))
	if !inside(s.r.rootAbs, abs) {
		return "", fmt.Errorf("value file %s leaves the repository", p)
	}
	return abs, nil
}

// valueFile reads one helm.valueFiles entry. A helm-secrets file (secrets://...) that is
// sops-encrypted is decrypted in memory with the Decrypter, and its values are tainted:
// they are redacted from every message. Without a Decrypter it is left out (a
// not-rendered note). A vals reference is not a file; a remote value file is not fetched.
func (s *srcRun) valueFile(ctx context.Context, vf string, ignoreMissing bool) (map[string]any, error) {
	if err := s.r.allowedScheme(vf); err != nil {
		return nil, err
	}
	scheme, p := splitScheme(vf)
	p = helmSecretsPath(scheme, p)
	if scheme != "" && strings.Contains(scheme, "literal") {
		return nil, nil
	}
	if strings.Contains(p, "://") || scheme == "http" || scheme == "https" {
		s.note(NoteNotRendered, "", "value file %s is remote; it is left out of the rendering", vf)
		return nil, nil
	}
	abs, err := s.locate(p)
	if err != nil {
		return nil, err
	}
	data, err := s.r.readFile(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && ignoreMissing {
			return nil, nil
		}
		return nil, fmt.Errorf("value file %s: %w", vf, err)
	}
	if scheme == "" {
		var v map[string]any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("value file %s: %w", vf, err)
		}
		return v, nil
	}
	// A helm-secrets file: its content is never quoted, encrypted or not.
	var v map[string]any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("value file %s is not valid YAML (its content is not shown: it is a secrets file)", vf)
	}
	if _, enc := v["sops"]; !enc {
		return v, nil // helm-secrets passes a plaintext file through
	}
	why := "no decryption key was given"
	if d := s.r.opts.Decrypter; d != nil {
		plain, err := d.Decrypt(ctx, abs, data)
		if err == nil {
			var dv map[string]any
			if yerr := yaml.Unmarshal(plain, &dv); yerr != nil {
				return nil, fmt.Errorf("value file %s is not valid YAML after decryption", vf)
			}
			s.res.taint.add(dv)
			return dv, nil
		}
		why = "decrypting it failed: " + safeErr(err, data)
	}
	s.note(NoteNotRendered, s.r.display(abs), "value file %s is sops-encrypted and was not decrypted (%s); the rendering uses none of its values", vf, why)
	return nil, nil
}

// fileParameter reads a helm.fileParameters file (--set-file); a secrets:// one is
// decrypted and tainted as a value file is.
func (s *srcRun) fileParameter(ctx context.Context, p helmFileParam) ([]byte, error) {
	if err := s.r.allowedScheme(p.Path); err != nil {
		return nil, err
	}
	scheme, rel := splitScheme(p.Path)
	rel = helmSecretsPath(scheme, rel)
	if strings.Contains(rel, "://") || scheme == "http" || scheme == "https" {
		return nil, &notRendered{msg: fmt.Sprintf("file parameter %s is remote", p.Path)}
	}
	abs, err := s.locate(rel)
	if err != nil {
		return nil, err
	}
	data, err := s.r.readFile(abs)
	if err != nil {
		return nil, fmt.Errorf("helm.fileParameters %s: %w", p.Name, err)
	}
	if scheme == "" {
		return data, nil
	}
	if s.r.opts.Decrypter == nil {
		return nil, &notRendered{msg: fmt.Sprintf("file parameter %s is a secrets file and no decryption key was given", p.Path)}
	}
	plain, err := s.r.opts.Decrypter.Decrypt(ctx, abs, data)
	if err != nil {
		return nil, fmt.Errorf("file parameter %s: decrypting it failed: %s", p.Path, safeErr(err, data))
	}
	s.res.taint.add(string(plain))
	return plain, nil
}

// allowedScheme refuses a value file or file parameter whose URL scheme is not in
// argocd-cm's helm.valuesFileSchemes, as the repo server's ResolveValueFilePathOrUrl
// does; without that setting nothing is refused.
func (r *Renderer) allowedScheme(ref string) error {
	allowed := r.opts.ArgoCDConfig.HelmValuesFileSchemes
	if allowed == nil {
		return nil
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" {
		return nil
	}
	if slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, u.Scheme) }) {
		return nil
	}
	return fmt.Errorf("the URL scheme '%s' of %s is not allowed: helm.valuesFileSchemes of argocd-cm is %q", u.Scheme, ref, strings.Join(allowed, ", "))
}

// safeErr is err's text unless it quotes a line of data.
func safeErr(err error, data []byte) string {
	msg := oneline.Lines(err.Error())
	for _, l := range bytes.Split(data, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) >= 6 && strings.Contains(msg, string(l)) {
			return "the decrypter's message is not shown because it quotes the file"
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// splitScheme splits "secrets://x.yaml" into ("secrets", "x.yaml"); a plain path has no
// scheme.
func splitScheme(vf string) (string, string) {
	if i := strings.Index(vf, "://"); i > 0 && !strings.ContainsAny(vf[:i], "/.$") {
		return vf[:i], vf[i+3:]
	}
	return "", vf
}

// helmSecretsPath is the file of a helm-secrets reference after its scheme: the part after
// "?" for the import schemes (secrets+gpg-import://KEY?FILE,
// secrets+age-import-kubernetes://[NS/]SECRET#KEY?FILE), the rest as it is otherwise.
func helmSecretsPath(scheme, rest string) string {
	if strings.HasSuffix(scheme, "-import") || strings.HasSuffix(scheme, "-import-kubernetes") {
		if _, file, ok := strings.Cut(rest, "?"); ok {
			return file
		}
	}
	return rest
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

// parseRendered splits rendered YAML into objects, expanding Lists as Argo CD's
// kube.SplitYAML does. A document that is not an object fails the source.
func parseRendered(file string, data []byte) ([]Object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var objs []Object
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: the rendered output is not valid YAML: %w", file, err)
		}
		if v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: a rendered document is not a Kubernetes object", file)
		}
		o, err := newObjects(file, m)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o...)
	}
	return objs, nil
}

func newObjects(file string, m map[string]any) ([]Object, error) {
	av, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	if av == "" && kind == "" {
		return nil, nil
	}
	if av == "" || kind == "" {
		missing := "apiVersion"
		if kind == "" {
			missing = "kind"
		}
		return nil, fmt.Errorf("%s: a rendered object has no %s", file, missing)
	}
	if items, ok := m["items"].([]any); ok && strings.HasSuffix(kind, "List") {
		var out []Object
		for _, it := range items {
			im, ok := it.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: an item of the %s is not a Kubernetes object", file, kind)
			}
			o, err := newObjects(file, im)
			if err != nil {
				return nil, err
			}
			out = append(out, o...)
		}
		return out, nil
	}
	return []Object{{Content: m, File: file}}, nil
}
