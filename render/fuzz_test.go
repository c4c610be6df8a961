package render_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8sargo/ck8sargo/render"
)

const fuzzRepoURL = "https://git.example.com/team/fuzz.git"

// fuzzRepo is a repository with one source of each kind, for the fuzz targets to point
// their Applications at.
var fuzzRepo = map[string]string{
	"chart/Chart.yaml":             "apiVersion: v2\nname: web\nversion: 1.0.0\n",
	"chart/values.yaml":            "name: web\nreplicas: 1\nlabels: {}\nextra: {}\n",
	"chart/values-prod.yaml":       "replicas: 3\n",
	"chart/templates/deploy.yaml":  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name | toString | trunc 63 | quote }}\n  labels: {{- toYaml .Values.labels | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicas | toJson }}\n",
	"chart/templates/config.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}-extra}\ndata:\n  extra: {{ toJson .Values.extra | quote }}\n",
	"kustomize/kustomization.yaml": "resources: [cm.yaml]\n",
	"kustomize/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {color: blue}\n",
	"plain/svc.yaml":               "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n",
	"jsonnet/main.jsonnet":         "function(name='web') {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: name}}\n",
}

func fuzzRenderer(f *testing.F) (*render.Renderer, string) {
	f.Helper()
	root := f.TempDir()
	for name, text := range fuzzRepo {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	opts := render.DefaultOptions()
	// Offline and with no chart source: nothing leaves the machine. A short budget: a
	// fuzzed jsonnet TLA that loops is a render-failed note, not a stalled worker.
	opts.RepoRoot, opts.RepoURL, opts.Offline, opts.Timeout = root, fuzzRepoURL, true, 2*time.Second
	opts.MaxFileSize = 1 << 20
	r, err := render.New(opts)
	if err != nil {
		f.Fatal(err)
	}
	return r, root
}

// checkRender holds for every input: Render fails only when the context ends, and every
// note has a kind and is one line.
func checkRender(t *testing.T, r *render.Renderer, ms []render.Manifest) {
	t.Helper()
	res, err := r.Render(context.Background(), ms)
	if err != nil {
		t.Fatalf("Render returned an error without a cancelled context: %v", err)
	}
	notes := res.Notes
	for _, a := range res.Applications {
		notes = append(notes, a.Notes...)
	}
	for _, n := range notes {
		if n.Kind == "" {
			t.Fatalf("a note without a kind: %+v", n)
		}
		if strings.Contains(n.Message, "\n") {
			t.Fatalf("a note of more than one line: %q", n.Message)
		}
	}
}

const fuzzApp = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web, namespace: argocd-system}\n" +
	"spec:\n  project: default\n  destination: {server: https://kubernetes.default.svc, namespace: shop}\n"

// FuzzLoadManifests feeds files to LoadManifests, the reader of Applications and
// ApplicationSets, and renders what it read against a repository with a source of each
// kind: a file that cannot be read as manifests is a note, never an error or a panic.
func FuzzLoadManifests(f *testing.F) {
	src := "  source: {repoURL: " + fuzzRepoURL + ", "
	for _, s := range []string{
		fuzzApp + src + "path: chart, helm: {valueFiles: [values-prod.yaml], parameters: [{name: name, value: x}], values: 'labels: {a: b}'}}\n",
		fuzzApp + src + "path: chart, helm: {valuesObject: {extra: {k: v}}, releaseName: r, ignoreMissingValueFiles: true, valueFiles: [missing.yaml]}}\n",
		fuzzApp + src + "path: kustomize, kustomize: {namePrefix: p-, images: [nginx=nginx:2], commonLabels: {a: b}}}\n",
		fuzzApp + src + "path: plain, directory: {recurse: true, include: '*.yaml', exclude: 'x*'}}\n",
		fuzzApp + src + "path: jsonnet, directory: {jsonnet: {tlas: [{name: name, value: shop}]}}}\n",
		fuzzApp + "  sources:\n  - {repoURL: " + fuzzRepoURL + ", ref: values}\n  - {repoURL: " + fuzzRepoURL + ", path: chart, helm: {valueFiles: [$values/chart/values-prod.yaml]}}\n",
		"apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: set, namespace: argocd-system}\nspec:\n  generators: [{list: {elements: [{env: a}]}}]\n  template:\n    metadata: {name: 'web-{{env}}'}\n    spec: {project: default, destination: {server: https://kubernetes.default.svc, namespace: shop}, source: {repoURL: " + fuzzRepoURL + ", path: plain}}\n",
		"---\n" + fuzzApp + "---\n{\"apiVersion\": \"argoproj.io/v1alpha1\", \"kind\": \"Application\", \"metadata\": {\"name\": \"j\"}}\n",
		"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: [not, a, map]\nspec: 3\n",
		"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: &a x, labels: *a}\n\t- bad\n",
	} {
		f.Add([]byte(s))
	}
	r, _ := fuzzRenderer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "app.yaml"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		ms, notes, err := render.LoadManifests(context.Background(), []string{dir}, render.LoadOptions{BaseDir: dir, MaxFileSize: 1 << 20})
		var pe *render.PathError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("LoadManifests: not a *PathError: %v", err)
		}
		for _, n := range notes {
			if strings.Contains(n.Message, "\n") {
				t.Fatalf("a note of more than one line: %q", n.Message)
			}
		}
		for _, m := range ms {
			if m.File != "app.yaml" || m.Line < 1 || m.Content == nil {
				t.Fatalf("manifest without its place: %s:%d", m.File, m.Line)
			}
		}
		checkRender(t, r, ms)
	})
}

// FuzzHelmValueFile feeds value files to a Helm source: whatever the file holds, the
// source renders or is a note.
func FuzzHelmValueFile(f *testing.F) {
	for _, s := range []string{
		"name: shop\nreplicas: 2\nlabels: {team: shop}\n",
		"extra: {a: [1, 2, {b: c}]}\n",
		"replicas: null\nname: [1]\n",
		"labels: x\n",
		"a: &x [*x]\n",
		"{\"name\": \"json\"}\n",
		"---\nname: a\n---\nname: b\n",
		"\x00\x01",
	} {
		f.Add([]byte(s))
	}
	r, root := fuzzRenderer(f)
	var seq int
	f.Fuzz(func(t *testing.T, data []byte) {
		// A fresh name per input: one worker runs inputs one after another, and no cache
		// may serve the previous input's file.
		seq++
		name := "fuzz-" + strings.Repeat("x", seq%7) + ".yaml"
		path := filepath.Join(root, "chart", name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		m := render.Manifest{File: "apps/web.yaml", Line: 1, Content: map[string]any{
			"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
			"metadata": map[string]any{"name": "web", "namespace": "argocd-system"},
			"spec": map[string]any{"project": "default",
				"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
				"source": map[string]any{"repoURL": fuzzRepoURL, "path": "chart",
					"helm": map[string]any{"valueFiles": []any{name}}}},
		}}
		checkRender(t, r, []render.Manifest{m})
	})
}
