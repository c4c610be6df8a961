package render_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chart"

	"github.com/ck8sargo/ck8sargo/render"
)

func notesOf(a *render.Application) []string {
	var out []string
	for _, n := range a.Notes {
		out = append(out, string(n.Kind)+": "+n.Message)
	}
	return out
}

func object(a *render.Application, kind, name string) *render.Object {
	for i := range a.Objects {
		if a.Objects[i].GroupVersionKind().Kind == kind && a.Objects[i].Name() == name {
			return &a.Objects[i]
		}
	}
	return nil
}

func field(o *render.Object, path ...string) any {
	var v any = o.Content
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

const cmValues = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  a: {{ .Values.a | quote }}\n  b: {{ .Values.b | quote }}\n  ns: {{ .Release.Namespace }}\n  release: {{ .Release.Name }}\n  kube: {{ .Capabilities.KubeVersion.Version }}\n  api: {{ .Capabilities.APIVersions.Has \"example.com/v9\" | quote }}\n"

// Helm sources render as Argo CD's repo server runs helm template: value files in order
// (with $ref from another source, ignoreMissingValueFiles), then valuesObject over values,
// then parameters and fileParameters; releaseName, helm.namespace, kubeVersion and
// apiVersions; CRDs unless skipCrds; test hooks never.
func TestHelmSourcesRenderAsArgoCDDoes(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"chart/Chart.yaml":           "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"chart/values.yaml":          "a: default\nb: default\n",
		"chart/templates/cm.yaml":    cmValues,
		"chart/templates/test.yaml":  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: test\n  annotations: {helm.sh/hook: test}\n",
		"chart/templates/hook.yaml":  "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations: {helm.sh/hook: pre-install}\n",
		"chart/crds/crd.yaml":        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {group: example.com, scope: Namespaced, names: {kind: Widget, plural: widgets}}\n",
		"chart/values-prod.yaml":     "a: prod\n",
		"values-repo/envs/prod.yaml": "b: from-ref\n",
		"values-repo/envs/file.txt":  "from-file",
	})
	res := renderApps(t, renderer(t, root, nil),
		multi("shop", `- repoURL: `+testRepo+`
  path: chart
  helm:
    releaseName: web
    namespace: other
    kubeVersion: "1.31.0"
    apiVersions: [example.com/v9]
    valueFiles: [values-prod.yaml, $values/values-repo/envs/prod.yaml, missing.yaml]
    ignoreMissingValueFiles: true
    skipCrds: true
    values: "a: from-values"
    parameters: [{name: b, value: "42", forceString: true}]
- repoURL: `+testRepo+`
  ref: values
`),
		app("objects", "repoURL: "+testRepo+"\npath: chart\nhelm:\n  values: 'a: from-values'\n  valuesObject: {a: from-object}\n  fileParameters: [{name: b, path: ../values-repo/envs/file.txt}]\n"),
	)
	a := find(res, "shop")
	require.NotNil(t, a)
	assert.Empty(t, a.Notes)
	cm := object(a, "ConfigMap", "cm")
	require.NotNil(t, cm, objectNames(a))
	assert.Equal(t, map[string]any{"a": "from-values", "b": "42", "ns": "other", "release": "web", "kube": "v1.31.0", "api": "true"}, field(cm, "data"))
	assert.Nil(t, object(a, "Pod", "test"), "test hooks are not deployed")
	assert.NotNil(t, object(a, "Job", "migrate"), "other hooks are")
	assert.Nil(t, object(a, "CustomResourceDefinition", "widgets.example.com"), "skipCrds")
	assert.Equal(t, "shop", cm.Namespace(), "the destination namespace on an object with none")

	b := find(res, "objects")
	require.NotNil(t, b)
	assert.Empty(t, b.Notes)
	cm = object(b, "ConfigMap", "cm")
	require.NotNil(t, cm)
	assert.Equal(t, "from-object", field(cm, "data", "a"), "valuesObject wins over values")
	assert.Equal(t, "from-file", field(cm, "data", "b"))
	assert.Equal(t, "objects", field(cm, "data", "release"))
	assert.NotNil(t, object(b, "CustomResourceDefinition", "widgets.example.com"), "--include-crds")
}

// Problems of a Helm source are notes naming the Application and the source.
func TestHelmProblemsAreNotes(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"deps/Chart.yaml":           "apiVersion: v2\nname: deps\nversion: 0.1.0\ndependencies:\n- {name: redis, version: 1.x, repository: https://charts.example.com}\n",
		"deps/templates/cm.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
		"fail/Chart.yaml":           "apiVersion: v2\nname: fail\nversion: 0.1.0\n",
		"fail/templates/x.yaml":     "{{ fail \"broken\" }}\n",
		"schema/Chart.yaml":         "apiVersion: v2\nname: schema\nversion: 0.1.0\n",
		"schema/values.yaml":        "port: not-a-number\n",
		"schema/values.schema.json": `{"type":"object","properties":{"port":{"type":"integer"}}}`,
		"schema/templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
	})
	res := renderApps(t, renderer(t, root, nil),
		app("deps", src("deps", "")),
		app("fail", src("fail", "")),
		app("missing", src("fail", "helm: {valueFiles: [nope.yaml]}\n")),
		app("badref", "repoURL: "+testRepo+"\npath: fail\nhelm: {valueFiles: [$nope/x.yaml]}\n"),
		app("schema", src("schema", "")),
		app("schema-skipped", src("schema", "helm: {skipSchemaValidation: true}\n")),
		app("remote", "repoURL: https://charts.example.com\nchart: redis\ntargetRevision: 1.x\n"),
		app("plugin", src("fail", "plugin: {name: cdk8s}\n")),
		app("other", "repoURL: https://git.example.com/other.git\npath: x\n"),
	)
	for name, want := range map[string]string{
		"deps":    "render-failed: rendering Helm chart deps: the chart's dependencies redis are not vendored",
		"fail":    "render-failed: rendering Helm chart fail: execution error at (fail/templates/x.yaml:1:3): broken",
		"missing": "render-failed: rendering Helm chart fail: value file nope.yaml: fail/nope.yaml: file does not exist",
		"badref":  "$nope is the ref of no source",
		"schema":  "render-failed: rendering Helm chart schema:",
		"remote":  "not-rendered: source https://charts.example.com chart redis: charts from Helm repositories are not fetched",
		"plugin":  `not-rendered: source ` + testRepo + ` path fail is rendered by the config management plugin "cdk8s"`,
		"other":   "not-rendered: source https://git.example.com/other.git path x is another repository",
	} {
		a := find(res, name)
		require.NotNil(t, a, name)
		require.Len(t, a.Notes, 1, "%s: %v", name, notesOf(a))
		assert.Contains(t, notesOf(a)[0], want, name)
		assert.Equal(t, name, a.Notes[0].Application)
		assert.NotEmpty(t, a.Notes[0].Source)
	}
	assert.Empty(t, find(res, "schema-skipped").Notes)
}

type fakeless struct{ deps []*chart.Chart }

// chartSource serves charts built in memory: the render side of the interface, tested
// against package render/charts' real repositories there.
func (f fakeless) Chart(_ context.Context, repoURL, name, version string) (*chart.Chart, error) {
	return &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: name, Version: "1.2.3"},
		Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\n")}}}, nil
}

func (f fakeless) Dependencies(_ context.Context, c *chart.Chart) error {
	for _, d := range f.deps {
		c.AddDependency(d)
	}
	return nil
}

// Kustomize sources get every spec.source.kustomize field applied to a copy of the
// kustomization, as Argo CD's kustomize edit commands would; the file on disk is not
// changed.
func TestKustomizeOptionsAreApplied(t *testing.T) {
	root := t.TempDir()
	kust := "resources: [deploy.yaml]\ncommonLabels: {team: shop}\n"
	writeFiles(t, root, map[string]string{
		"overlay/kustomization.yaml": kust,
		"overlay/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n" +
			"  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx:1.0}]}\n",
		"component/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations: {component: yes-it-is}\n",
	})
	res := renderApps(t, renderer(t, root, nil), app("shop", `repoURL: `+testRepo+`
path: overlay
kustomize:
  namePrefix: pre-
  nameSuffix: -suf
  images: [nginx=registry.example.com/nginx:2.0]
  commonLabels: {env: prod}
  commonAnnotations: {owner: "$ARGOCD_APP_NAME"}
  commonAnnotationsEnvsubst: true
  namespace: shop-prod
  replicas: [{name: web, count: 3}]
  components: [../component, ../missing]
  ignoreMissingComponents: true
  patches:
  - target: {kind: Deployment}
    patch: '[{"op": "add", "path": "/spec/minReadySeconds", "value": 5}]'
`))
	a := find(res, "shop")
	require.NotNil(t, a)
	require.Empty(t, a.Notes)
	d := object(a, "Deployment", "pre-web-suf")
	require.NotNil(t, d, objectNames(a))
	assert.Equal(t, "shop-prod", d.Namespace())
	assert.Equal(t, 3, field(d, "spec", "replicas"))
	assert.Equal(t, map[string]any{"team": "shop", "env": "prod"}, field(d, "metadata", "labels"))
	assert.Equal(t, 5, field(d, "spec", "minReadySeconds"))
	assert.Equal(t, map[string]any{"owner": "shop", "component": "yes-it-is"}, field(d, "metadata", "annotations"))
	containers := field(d, "spec", "template", "spec", "containers").([]any)
	assert.Equal(t, "registry.example.com/nginx:2.0", containers[0].(map[string]any)["image"])
	assert.Equal(t, "prod", field(d, "spec", "selector", "matchLabels", "env"), "commonLabels go into selectors")

	res = renderApps(t, renderer(t, root, nil), app("nosel", "repoURL: "+testRepo+"\npath: overlay\nkustomize:\n  commonLabels: {env: prod}\n  labelWithoutSelector: true\n"))
	d = object(find(res, "nosel"), "Deployment", "web")
	require.NotNil(t, d)
	assert.Equal(t, "prod", field(d, "metadata", "labels", "env"))
	assert.Nil(t, field(d, "spec", "selector", "matchLabels", "env"))

	res = renderApps(t, renderer(t, root, nil), app("clash", "repoURL: "+testRepo+"\npath: overlay\nkustomize:\n  commonLabels: {team: other}\n"))
	assert.Contains(t, strings.Join(notesOf(find(res, "clash")), "\n"), "forceCommonLabels")
	res = renderApps(t, renderer(t, root, nil), app("forced", "repoURL: "+testRepo+"\npath: overlay\nkustomize:\n  commonLabels: {team: other}\n  forceCommonLabels: true\n"))
	assert.Equal(t, "other", field(object(find(res, "forced"), "Deployment", "web"), "metadata", "labels", "team"))
}

// Directory sources follow recurse, include and exclude; jsonnet files are evaluated with
// extVars, tlas and libs; objects get the destination namespace unless cluster-scoped,
// duplicates resolve to the last, and tracking annotations are dropped.
func TestDirectoryAndJsonnetSources(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"dir/a.yaml":         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations: {argocd.argoproj.io/tracking-id: 'x:/ConfigMap:shop/a'}\ndata: {v: first}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {v: second}\n",
		"dir/ns.yaml":        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: wrong}\n",
		"dir/skip.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: skipped}\n",
		"dir/sub/deep.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n",
		"dir/README.md":      "not a manifest",
		"lib/util.libsonnet": "{ name(x):: 'cm-' + x }\n",
		"js/main.jsonnet":    "local u = import 'util.libsonnet';\nfunction(tier) [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: u.name(tier)}, data: {env: std.extVar('env'), app: std.extVar('app')} }]\n",
	})
	res := renderApps(t, renderer(t, root, nil),
		app("dir", "repoURL: "+testRepo+"\npath: dir\ndirectory: {recurse: true, exclude: 'skip.yaml'}\n"),
		app("js", "repoURL: "+testRepo+"\npath: js\ndirectory:\n  jsonnet:\n    libs: [lib]\n    extVars: [{name: env, value: prod}, {name: app, value: $ARGOCD_APP_NAME}]\n    tlas: [{name: tier, value: web}]\n"),
	)
	d := find(res, "dir")
	require.Empty(t, d.Notes)
	assert.ElementsMatch(t, []string{"ConfigMap/a", "ClusterRole/r", "ConfigMap/deep"}, objectNames(d))
	a := object(d, "ConfigMap", "a")
	assert.Equal(t, "second", field(a, "data", "v"), "the last duplicate wins")
	assert.Nil(t, field(a, "metadata", "annotations"))
	assert.Equal(t, "shop", a.Namespace())
	assert.Equal(t, "", object(d, "ClusterRole", "r").Namespace())
	assert.Equal(t, "dir/sub/deep.yaml", object(d, "ConfigMap", "deep").File)
	assert.Equal(t, 1, object(d, "ConfigMap", "deep").Line)

	j := find(res, "js")
	require.Empty(t, j.Notes)
	cm := object(j, "ConfigMap", "cm-web")
	require.NotNil(t, cm, objectNames(j))
	assert.Equal(t, map[string]any{"env": "prod", "app": "js"}, field(cm, "data"))
	assert.Equal(t, render.KindJsonnet, cm.RenderedBy)
}

// Apps of apps: Applications rendered by an Application are rendered in turn, with their
// parent named; a cycle is reported once and ends.
func TestAppsOfAppsAreRenderedInTurn(t *testing.T) {
	root := t.TempDir()
	child := func(name, path string) string {
		return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: " + name + ", namespace: argocd}\nspec:\n  project: default\n" +
			"  destination: {server: https://kubernetes.default.svc, namespace: shop}\n  source: {repoURL: " + testRepo + ", path: " + path + "}\n"
	}
	writeFiles(t, root, map[string]string{
		"apps/child.yaml":   child("child", "manifests"),
		"apps/loop.yaml":    child("root", "apps"),
		"manifests/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
	})
	res := renderApps(t, renderer(t, root, nil), app("root", "repoURL: "+testRepo+"\npath: apps\n"))
	c := find(res, "child")
	require.NotNil(t, c)
	assert.Equal(t, "root", c.Parent)
	assert.Equal(t, []string{"ConfigMap/cm"}, objectNames(c))
	assert.Equal(t, "apps/child.yaml", c.File)
	assert.Len(t, res.Applications, 2)
	assert.Contains(t, dump(t, res), "apps of apps cycle")
}

// Charts from Helm repositories come from the ChartSource, and so do dependencies that
// are not vendored.
func TestChartSourceIsUsedForRemoteChartsAndDependencies(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"deps/Chart.yaml":        "apiVersion: v2\nname: deps\nversion: 0.1.0\ndependencies:\n- {name: redis, version: 1.x, repository: https://charts.example.com}\n",
		"deps/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
	})
	redis, err := fakeless{}.Chart(context.Background(), "", "redis", "")
	require.NoError(t, err)
	r := renderer(t, root, func(o *render.Options) { o.Charts = fakeless{deps: []*chart.Chart{redis}} })
	res := renderApps(t, r,
		app("remote", "repoURL: https://charts.example.com\nchart: nginx\ntargetRevision: 1.x\n"),
		app("deps", "repoURL: "+testRepo+"\npath: deps\n"))
	assert.Equal(t, []string{"ConfigMap/nginx"}, objectNames(find(res, "remote")))
	assert.Equal(t, "nginx/templates/cm.yaml", find(res, "remote").Objects[0].File)
	assert.ElementsMatch(t, []string{"ConfigMap/cm", "ConfigMap/redis"}, objectNames(find(res, "deps")))
}
