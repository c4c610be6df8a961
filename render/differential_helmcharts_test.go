package render_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/charts"
)

// helmChartsOverlays are kustomizations with helmCharts, as Argo CD users write them
// with --enable-helm: a chart vendored beside the kustomization, an overlay over it (the
// namespace handed down to the base's chart, a prefix and a patch on the chart's
// Deployment), a shared chart home outside the kustomization with valuesFile,
// valuesMerge and additionalValuesFiles, and a chart pulled from a Helm repository.
func helmChartsOverlays() map[string]string {
	files := map[string]string{
		"kustomize/helm/base/kustomization.yaml": `resources: [extra.yaml]
helmCharts:
- name: web
  releaseName: shop
  includeCRDs: true
  valuesInline:
    replicaCount: 2
    podAnnotations: {team: shop}
    env: {MODE: kustomize}
`,
		"kustomize/helm/base/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {a: b}\n",
		"kustomize/helm/prod/kustomization.yaml": `namespace: shop-prod
namePrefix: prod-
resources: [../base]
commonAnnotations: {owner: shop-team}
patches:
- target: {kind: Deployment, name: shop-web}
  patch: |-
    - op: replace
      path: /spec/replicas
      value: 4
`,
		"kustomize/helm/shared/kustomization.yaml": `helmGlobals: {chartHome: ../../../charts}
helmCharts:
- name: web
  releaseName: shared
  namespace: web-ns
  valuesFile: values-shared.yaml
  valuesMerge: merge
  valuesInline: {replicaCount: 5, service: {port: 9090}}
  additionalValuesFiles: [values-extra.yaml]
  skipHooks: true
`,
		"kustomize/helm/shared/values-shared.yaml": "replicaCount: 1\nservice: {type: ClusterIP, port: 80}\nimage: {repository: harbor.example.com/shop/web, tag: \"3.0\", pullPolicy: Always}\nserviceAccount: {create: true, annotations: {}, name: \"\"}\ningress: {enabled: false}\nautoscaling: {enabled: false}\nresources: {}\nconfig: {}\nenv: {}\nglobal: {region: eu-west-1}\ncache: {enabled: false}\n",
		"kustomize/helm/shared/values-extra.yaml":  "config: {logLevel: debug}\n",
		"kustomize/helm/capabilities/kustomization.yaml": `helmCharts:
- name: web
  releaseName: caps
  valuesInline: {ingress: {enabled: true}, autoscaling: {enabled: true}}
- name: web
  releaseName: old
  kubeVersion: "1.22.0"
  valuesInline: {autoscaling: {enabled: true}, serviceAccount: {create: false}}
`,
		"kustomize/helm/remote/kustomization.yaml": `helmCharts:
- name: web
  repo: @REPO@
  version: 1.4.2
  releaseName: pulled
  valuesInline: {fullnameOverride: pulled-web}
`,
	}
	for name, content := range webChart {
		rel := strings.TrimPrefix(name, "charts/")
		files["kustomize/helm/base/charts/"+rel] = content
		files["kustomize/helm/capabilities/charts/"+rel] = content
	}
	return files
}

// helmChartsCase is one Application of a helmCharts kustomization, with the
// kustomize.buildOptions it is built with and the flags Argo CD appends for its source.
type helmChartsCase struct {
	name, dir, source, buildOptions string
	argoFlags                       []string
}

// TestKustomizeHelmChartsMatchKustomizeCLI renders kustomizations with helmCharts
// in-process (no helm binary) and compares with `kustomize build --enable-helm` run as
// Argo CD's util/kustomize runs it, with the helm CLI built from the module proxy: the
// same objects, besides what Argo CD itself changes (destination namespace, no Helm test
// hooks). The remote chart comes from a Helm repository on loopback, pulled by both.
func TestKustomizeHelmChartsMatchKustomizeCLI(t *testing.T) {
	helm, kustomize := requirePeerBinaries(t)
	repoURL := serveChartRepository(t)
	root := t.TempDir()
	writeFiles(t, root, webChart)
	files := helmChartsOverlays()
	files["kustomize/helm/remote/kustomization.yaml"] = strings.ReplaceAll(files["kustomize/helm/remote/kustomization.yaml"], "@REPO@", repoURL)
	writeFiles(t, root, files)
	fetcher, err := charts.New(charts.Options{CacheDir: t.TempDir()})
	require.NoError(t, err)

	cases := []helmChartsCase{
		{name: "helm-base", dir: "kustomize/helm/base", source: "path: kustomize/helm/base", buildOptions: "--enable-helm"},
		{name: "helm-prod", dir: "kustomize/helm/prod", source: "path: kustomize/helm/prod", buildOptions: "--enable-helm"},
		{name: "helm-shared", dir: "kustomize/helm/shared", source: "path: kustomize/helm/shared",
			buildOptions: "--enable-helm --load-restrictor LoadRestrictionsNone"},
		{name: "helm-capabilities", dir: "kustomize/helm/capabilities",
			source:       "path: kustomize/helm/capabilities\nkustomize:\n  kubeVersion: v1.31.2-eks-1234\n  apiVersions: [networking.k8s.io/v1/Ingress]",
			buildOptions: "--enable-helm --helm-kube-version 1.20.0",
			argoFlags:    []string{"--helm-kube-version", "1.31.2", "--helm-api-versions", "networking.k8s.io/v1/Ingress"}},
		{name: "helm-remote", dir: "kustomize/helm/remote", source: "path: kustomize/helm/remote", buildOptions: "--enable-helm"},
	}
	compared := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := renderer(t, root, func(o *render.Options) {
				o.ArgoCDConfig.KustomizeBuildOptions = c.buildOptions
				o.Charts = fetcher
			})
			res := renderApps(t, r, app(c.name, "repoURL: "+testRepo+"\n"+c.source))
			a := find(res, c.name)
			require.NotNil(t, a)
			require.Empty(t, a.Notes)
			got := renderedObjects(t, a)
			out := runKustomizeBuild(t, kustomize, helm, root, c.dir, append(strings.Fields(c.buildOptions), c.argoFlags...))
			want := cliObjects(t, out)
			require.NotEmpty(t, want)
			assertSameObjects(t, want, got)
			compared += len(want)
		})
	}
	t.Logf("%d Applications, %d objects compared with kustomize build --enable-helm", len(cases), compared)
}

// TestKustomizeHelmChartsNameTheirTemplate checks that an object inflated from helmCharts
// names its chart template, that the marker carrying it through kustomize is gone, and
// that no helm binary is needed (PATH is empty).
func TestKustomizeHelmChartsNameTheirTemplate(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	root := t.TempDir()
	writeFiles(t, root, webChart)
	files := helmChartsOverlays()
	delete(files, "kustomize/helm/remote/kustomization.yaml")
	writeFiles(t, root, files)
	r := renderer(t, root, func(o *render.Options) { o.ArgoCDConfig.KustomizeBuildOptions = "--enable-helm" })
	a := find(renderApps(t, r, app("prod", "repoURL: "+testRepo+"\npath: kustomize/helm/prod")), "prod")
	require.NotNil(t, a)
	require.Empty(t, a.Notes)
	files2 := map[string]string{}
	for _, o := range a.Objects {
		files2[o.GroupVersionKind().Kind+"/"+o.Name()] = o.File
		assert.NotContains(t, dumpObject(t, o.Content), "ck8sargo.io", o.Name())
		assert.NotContains(t, dumpObject(t, o.Content), "helm-generated", o.Name())
	}
	assert.Equal(t, "kustomize/helm/base/charts/web/templates/deployment.yaml", files2["Deployment/prod-shop-web"])
	assert.Equal(t, "kustomize/helm/base/charts/web/crds/widgets.yaml", files2["CustomResourceDefinition/widgets.shop.example.com"])
	assert.Equal(t, "kustomize/helm/prod/kustomization.yaml", files2["ConfigMap/prod-extra"])
}

// TestKustomizeHelmChartsNeedEnableHelm checks the failures of helmCharts as Argo CD
// shows them: without --enable-helm, a chart neither vendored nor with a repository, and
// a remote chart when charts are not fetched (not rendered, not failed).
func TestKustomizeHelmChartsNeedEnableHelm(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, webChart)
	files := helmChartsOverlays()
	files["kustomize/helm/missing/kustomization.yaml"] = "helmCharts:\n- {name: nowhere, releaseName: x}\n"
	files["kustomize/helm/outside/kustomization.yaml"] = "helmGlobals: {chartHome: ../base/charts}\nhelmCharts:\n- {name: web, releaseName: x, valuesFile: ../shared/values-shared.yaml}\n"
	files["kustomize/helm/remote/kustomization.yaml"] = strings.ReplaceAll(files["kustomize/helm/remote/kustomization.yaml"], "@REPO@", "https://charts.example.com")
	writeFiles(t, root, files)
	tests := []struct {
		name, path, buildOptions string
		kind                     render.NoteKind
		message                  string
	}{
		{"without enable-helm", "kustomize/helm/base", "", render.NoteRenderFailed, "has helmCharts, which need --enable-helm in kustomize.buildOptions"},
		{"chart nowhere", "kustomize/helm/missing", "--enable-helm", render.NoteRenderFailed, "no repo specified for pull, no chart found at kustomize/helm/missing/charts/nowhere"},
		{"remote chart not fetched", "kustomize/helm/remote", "--enable-helm", render.NoteNotRendered, "charts from Helm repositories are not fetched"},
		{"values file outside the kustomization", "kustomize/helm/outside", "--enable-helm", render.NoteRenderFailed, "is not in or below kustomize/helm/outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := renderer(t, root, func(o *render.Options) { o.ArgoCDConfig.KustomizeBuildOptions = tt.buildOptions })
			a := find(renderApps(t, r, app("x", "repoURL: "+testRepo+"\npath: "+tt.path)), "x")
			require.NotNil(t, a)
			require.Len(t, a.Notes, 1)
			assert.Equal(t, tt.kind, a.Notes[0].Kind)
			assert.Contains(t, a.Notes[0].Message, tt.message)
			assert.Equal(t, "x", a.Notes[0].Application)
		})
	}
}

func dumpObject(t *testing.T, obj map[string]any) string {
	data, err := yaml.Marshal(obj)
	require.NoError(t, err)
	return string(data)
}

// serveChartRepository serves a Helm repository on loopback with the web chart packaged
// by Helm's own chartutil.Save and an index.yaml from repo.IndexDirectory.
func serveChartRepository(t *testing.T) string {
	src := t.TempDir()
	writeFiles(t, src, webChart)
	c, err := loader.LoadDir(filepath.Join(src, "charts/web"))
	require.NoError(t, err)
	dir := t.TempDir()
	archive, err := chartutil.Save(c, dir)
	require.NoError(t, err)
	data, err := os.ReadFile(archive)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	index := fmt.Sprintf("apiVersion: v1\nentries:\n  web:\n  - {apiVersion: v2, name: web, version: 1.4.2, appVersion: \"2.1.0\", digest: %x, urls: [%s/%s],\n     dependencies: [{name: cache, version: 0.3.0, condition: cache.enabled}]}\n",
		sum, srv.URL, filepath.Base(archive))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.yaml"), []byte(index), 0o644))
	return srv.URL
}

// runKustomizeBuild copies the corpus and runs `kustomize build DIR FLAGS...` in the
// repository root, as Argo CD runs it, with helm from the peer binaries.
func runKustomizeBuild(t *testing.T, kustomize, helm, root, dir string, flags []string) []byte {
	tmp := t.TempDir()
	require.NoError(t, os.CopyFS(tmp, os.DirFS(root)))
	args := append([]string{"build", dir}, flags...)
	args = append(args, "--helm-command", helm)
	cmd := exec.Command(kustomize, args...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "kustomize %v: %s", args, stderr.String())
	return out
}

// BenchmarkKustomizeHelmChartsVersusCLI builds the helmCharts overlay over its base
// in-process and with `kustomize build --enable-helm` driving the helm CLI, side by side.
func BenchmarkKustomizeHelmChartsVersusCLI(b *testing.B) {
	root := b.TempDir()
	writeFilesB(b, root, webChart)
	files := helmChartsOverlays()
	delete(files, "kustomize/helm/remote/kustomization.yaml")
	writeFilesB(b, root, files)
	opts := render.DefaultOptions()
	opts.RepoRoot, opts.RepoURL = root, testRepo
	opts.ArgoCDConfig.KustomizeBuildOptions = "--enable-helm"
	r, err := render.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	m := []render.Manifest{app("prod", "repoURL: "+testRepo+"\npath: kustomize/helm/prod")}
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			res, err := r.Render(context.Background(), m)
			if err != nil || len(res.Applications[0].Notes) > 0 || len(res.Applications[0].Objects) == 0 {
				b.Fatalf("render: %v %v", err, res.Applications[0].Notes)
			}
		}
	})
	helm, kustomize, missing := peerBinaries()
	if missing != "" {
		b.Skip("helm and kustomize not built: make test-bin")
	}
	b.Run("kustomize-build-enable-helm-cli", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(kustomize, "build", "kustomize/helm/prod", "--enable-helm", "--helm-command", helm)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("kustomize: %v: %s", err, out)
			}
		}
	})
}
