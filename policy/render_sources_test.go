package policy_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFindingsOnRenderedObjectsNameTheApplicationAndTemplate checks that a finding on an
// object that a source renders carries the Application and the file the object comes
// from, for each source kind: a Helm chart's template, a Kustomize overlay's
// kustomization, a chart inflated from Kustomize helmCharts (its template), a jsonnet file
// and a directory's manifest.
func TestFindingsOnRenderedObjectsNameTheApplicationAndTemplate(t *testing.T) {
	app := func(name, source string) string {
		return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: " + name + ", namespace: argocd-system}\nspec:\n  project: shop\n" +
			"  source: {repoURL: https://git.example.com/team/deploy, " + source + "}\n  destination: {server: https://kubernetes.default.svc, namespace: shop}\n---\n"
	}
	const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
	dir := writeFiles(t, map[string]string{
		".git/config": "[remote \"origin\"]\n\turl = https://git.example.com/team/deploy.git\n",
		"apps/apps.yaml": app("helm", "path: chart") + app("kustomize", "path: overlay") + app("helmcharts", "path: inflate") +
			app("jsonnet", "path: js") + app("directory", "path: plain"),
		"chart/Chart.yaml":                     "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"chart/templates/namespace.yaml":       ns,
		"overlay/kustomization.yaml":           "resources: [ns.yaml]\n",
		"overlay/ns.yaml":                      ns,
		"inflate/kustomization.yaml":           "helmCharts:\n- {name: sub, releaseName: sub}\n",
		"inflate/charts/sub/Chart.yaml":        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"inflate/charts/sub/values.yaml":       "{}\n",
		"inflate/charts/sub/templates/ns.yaml": ns,
		"js/main.jsonnet":                      "{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}}\n",
		"plain/ns.yaml":                        ns,
	})
	opts := options(dir)
	opts.ArgoCDConfig.KustomizeBuildOptions = "--enable-helm"
	rep, err := check(t, dir, opts, filepath.Join(dir, "apps"))
	require.NoError(t, err)
	got := map[string]string{}
	for _, f := range rep.Findings {
		if f.Rule == "no-namespace-resource" {
			got[f.Application] = f.File
		}
	}
	assert.Equal(t, map[string]string{
		"helm":       "chart/templates/namespace.yaml",
		"kustomize":  "overlay/kustomization.yaml",
		"helmcharts": "inflate/charts/sub/templates/ns.yaml",
		"jsonnet":    "js/main.jsonnet",
		"directory":  "plain/ns.yaml",
	}, got)
}
