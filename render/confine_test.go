package render_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/render"
)

const marker = "MARKER-OUTSIDE-7f3a9c"

// confinementRepo lays out a repository next to a directory outside it that holds the
// marker, and one Application per way of reaching out.
func confinementRepo(t *testing.T) (root string, apps []render.Manifest, links map[string]string) {
	base := t.TempDir()
	root = filepath.Join(base, "repo")
	out := filepath.Join(base, "outside")
	writeFiles(t, out, map[string]string{
		"secret.txt":              marker + "\n",
		"values.yaml":             "v: " + marker + "\n",
		"cm.yaml":                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + marker + "}\ndata: {k: " + marker + "}\n",
		"tpl/cm.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: out}\ndata: {k: " + marker + "}\n",
		"lib.libsonnet":           "{ k: '" + marker + "' }\n",
		"kust/kustomization.yaml": "resources: [cm.yaml]\n",
		"kust/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + marker + "}\n",
	})
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: {{ .Values.v | default \"none\" | quote }}}\n"
	writeFiles(t, root, map[string]string{
		"files-get/Chart.yaml":              "apiVersion: v2\nname: files-get\nversion: 0.1.0\n",
		"files-get/x":                       "->" + filepath.Join(out, "secret.txt"),
		"files-get/templates/cm.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: {{ .Files.Get \"x\" | quote }}}\n",
		"templates-link/Chart.yaml":         "apiVersion: v2\nname: templates-link\nversion: 0.1.0\n",
		"templates-link/templates":          "->" + filepath.Join(out, "tpl"),
		"values-link/Chart.yaml":            "apiVersion: v2\nname: values-link\nversion: 0.1.0\n",
		"values-link/templates/cm.yaml":     cm,
		"envs/values-prod.yaml":             "->" + filepath.Join(out, "values.yaml"),
		"envs/secrets.yaml":                 "->" + filepath.Join(out, "values.yaml"),
		"kustomize-link/kustomization.yaml": "resources: [cm.yaml]\n",
		"kustomize-link/cm.yaml":            "->" + filepath.Join(out, "cm.yaml"),
		"kustomize-up/kustomization.yaml":   "resources: [../../outside/cm.yaml]\n",
		"kustomize-base/kustomization.yaml": "resources: [../../outside/kust]\n",
		"dir-link/cm.yaml":                  "->" + filepath.Join(out, "cm.yaml"),
		"dir-link/ok.yaml":                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
		"jsonnet-up/main.jsonnet":           "local l = import '../../outside/lib.libsonnet'; { apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: l.k} }\n",
		"jsonnet-link/lib.libsonnet":        "->" + filepath.Join(out, "lib.libsonnet"),
		"jsonnet-link/main.jsonnet":         "local l = import 'lib.libsonnet'; { apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: l.k} }\n",
		"jsonnet-str/main.jsonnet":          "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}, data: {k: importstr '/etc/hostname'} }\n",
		"dir-link-dir/sub":                  "->" + filepath.Join(out, "kust"),
		"dir-link-dir/ok.yaml":              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
	})
	apps = []render.Manifest{
		app("files-get", src("files-get", "")),
		app("templates-link", src("templates-link", "")),
		app("values-link", src("values-link", "helm: {valueFiles: [../envs/values-prod.yaml]}\n")),
		app("secrets-link", src("values-link", "helm: {valueFiles: ['secrets://../envs/secrets.yaml']}\n")),
		app("kustomize-link", src("kustomize-link", "")),
		app("kustomize-up", src("kustomize-up", "")),
		app("kustomize-base", src("kustomize-base", "")),
		app("dir-link", src("dir-link", "")),
		app("dir-link-dir", src("dir-link-dir", "directory: {recurse: true}\n")),
		app("jsonnet-up", src("jsonnet-up", "")),
		app("jsonnet-link", src("jsonnet-link", "")),
		app("jsonnet-str", src("jsonnet-str", "")),
	}
	links = map[string]string{
		"files-get":      "files-get/x",
		"templates-link": "templates-link/templates",
		"values-link":    "envs/values-prod.yaml",
		"secrets-link":   "envs/secrets.yaml",
		"kustomize-link": "kustomize-link/cm.yaml",
		"kustomize-up":   "outside/cm.yaml",
		"kustomize-base": "outside/kust",
		"dir-link":       "dir-link/cm.yaml",
		"dir-link-dir":   "dir-link-dir/sub",
		"jsonnet-up":     "outside/lib.libsonnet",
		"jsonnet-link":   "jsonnet-link/lib.libsonnet",
		"jsonnet-str":    "/etc/hostname",
	}
	return root, apps, links
}

// Nothing outside the repository is read by any renderer, whether reached through a
// symbolic link or "..": each such source is a render-failed note naming the link, and
// the outside file's content appears nowhere.
func TestNothingOutsideTheRepositoryIsRead(t *testing.T) {
	root, apps, links := confinementRepo(t)
	for _, restrictor := range []string{"", "--load-restrictor LoadRestrictionsNone"} {
		r := renderer(t, root, func(o *render.Options) { o.ArgoCDConfig.KustomizeBuildOptions = restrictor })
		res := renderApps(t, r, apps...)
		assert.NotContains(t, dump(t, res), marker)
		for _, m := range apps {
			name := m.Content["metadata"].(map[string]any)["name"].(string)
			t.Run(name+restrictor, func(t *testing.T) {
				a := find(res, name)
				require.NotNil(t, a)
				require.NotEmpty(t, a.Notes, "objects: %v", objectNames(a))
				n := a.Notes[0]
				assert.Equal(t, render.NoteRenderFailed, n.Kind, n.Message)
				assert.Contains(t, n.Message, links[name])
				for _, o := range a.Objects {
					assert.NotContains(t, o.Name(), marker)
				}
			})
		}
	}
}

// A FIFO in a chart, an overlay or a directory source is refused without being opened
// (opening it would block until a writer comes).
func TestFIFOsAreRefusedWithoutBeingOpened(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"chart/Chart.yaml":           "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"chart/templates/cm.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
		"overlay/kustomization.yaml": "resources: [cm.yaml]\n",
		"dir/ok.yaml":                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
		"values/Chart.yaml":          "apiVersion: v2\nname: v\nversion: 0.1.0\n",
		"values/templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
	})
	for _, p := range []string{"chart/templates/fifo.yaml", "overlay/cm.yaml", "dir/fifo.yaml", "values/v.yaml"} {
		require.NoError(t, syscall.Mkfifo(filepath.Join(root, p), 0o644))
	}
	res := renderApps(t, renderer(t, root, nil),
		app("chart", src("chart", "")), app("overlay", src("overlay", "")), app("dir", src("dir", "")),
		app("values", src("values", "helm: {valueFiles: [v.yaml]}\n")))
	for name, file := range map[string]string{"chart": "chart/templates/fifo.yaml", "overlay": "overlay/cm.yaml", "dir": "dir/fifo.yaml", "values": "values/v.yaml"} {
		a := find(res, name)
		require.NotNil(t, a)
		require.NotEmpty(t, a.Notes, name)
		assert.Equal(t, render.NoteRenderFailed, a.Notes[0].Kind)
		assert.Contains(t, a.Notes[0].Message, file)
		assert.True(t, strings.Contains(a.Notes[0].Message, "not a regular file") || strings.Contains(a.Notes[0].Message, "FIFO"), a.Notes[0].Message)
	}
}

// Symbolic links that stay inside the repository are followed, and rendering writes
// nothing to the process's log or standard error (Helm's own loader logs every link).
func TestLinksInsideTheRepositoryAreFollowedSilently(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"shared/cm.yaml":              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n",
		"shared/data.txt":             "inside",
		"chart/Chart.yaml":            "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"chart/data.txt":              "->../shared/data.txt",
		"chart/templates/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: {{ .Files.Get \"data.txt\" | quote }}}\n",
		"chart/templates/shared.yaml": "->../../shared/cm.yaml",
		"overlay/kustomization.yaml":  "commonLabels: {a: b}\nresources: [cm.yaml]\n",
		"overlay/cm.yaml":             "->../shared/cm.yaml",
	})
	// kustomize's own restriction to the overlay's directory is lifted, as Argo CD's
	// kustomize.buildOptions can; the repository's is not.
	res := renderSilently(t, renderer(t, root, func(o *render.Options) {
		o.ArgoCDConfig.KustomizeBuildOptions = "--load-restrictor LoadRestrictionsNone"
	}), app("chart", src("chart", "")), app("overlay", src("overlay", "")))
	c := find(res, "chart")
	require.Empty(t, c.Notes)
	assert.ElementsMatch(t, []string{"ConfigMap/cm", "ConfigMap/shared"}, objectNames(c))
	assert.Equal(t, "inside", c.Objects[0].Content["data"].(map[string]any)["v"])
	require.Empty(t, find(res, "overlay").Notes)
	assert.Equal(t, []string{"ConfigMap/shared"}, objectNames(find(res, "overlay")))
}
