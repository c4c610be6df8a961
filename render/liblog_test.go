package render_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/render"
)

// What Helm and kustomize print while rendering (through the log package and straight
// to os.Stderr) becomes warning notes on the Application; nothing reaches the process's
// log or standard error, and both are as they were afterwards.
func TestWhatHelmAndKustomizePrintBecomesWarningNotes(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		// A kustomize example of the vars era: vars have no mechanical rewrite, so
		// kustomize prints its deprecation, and an unused var is logged.
		"wordpress/kustomization.yaml": `resources: [svc.yaml]
commonLabels: {app: wordpress}
vars:
- name: WORDPRESS_SERVICE
  objref: {kind: Service, name: wordpress, apiVersion: v1}
  fieldref: {fieldpath: metadata.name}
`,
		"wordpress/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: wordpress}\nspec: {ports: [{port: 80}]}\n",
		// A Helm 2 style requirements.yaml kept in an apiVersion v2 chart.
		"chart/Chart.yaml":        "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"chart/requirements.yaml": "dependencies: []\n",
		"chart/values.yaml":       "image: nginx\n",
		"chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {image: {{ .Values.image | toString | quote }}}\n",
		// A clean overlay: no note.
		"clean/kustomization.yaml": "labels: [{pairs: {app: clean}}]\nresources: [cm.yaml]\n",
		"clean/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: clean}\n",
	})
	res := renderSilently(t, renderer(t, root, nil),
		app("wordpress", src("wordpress", "")),
		// The user's values replace the chart's image string with a table: Helm logs
		// that it skipped the value.
		app("chart", src("chart", "helm:\n  valuesObject: {image: {repository: nginx}}\n")),
		app("clean", src("clean", "")))

	warnings := func(name string) []string {
		var out []string
		for _, n := range find(res, name).Notes {
			require.Equal(t, render.NoteWarning, n.Kind, "%+v", n)
			assert.Equal(t, name, n.File, "the note names the source directory")
			out = append(out, n.Message)
		}
		return out
	}
	assert.Equal(t, []string{
		"kustomize printed: Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.",
		"kustomize printed: well-defined vars that were never replaced: WORDPRESS_SERVICE",
	}, warnings("wordpress"))
	assert.Equal(t, []string{
		`helm printed: Warning: Dependencies are handled in Chart.yaml since apiVersion "v2". We recommend migrating dependencies to Chart.yaml.`,
		"helm printed: warning: skipped value for chart.image: Not a table.",
	}, warnings("chart"))
	assert.Empty(t, warnings("clean"))
	assert.Equal(t, []string{"Service/wordpress"}, objectNames(find(res, "wordpress")))
}
