package render_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/render"
)

// The repository walk of a directory source and of a chart: a link back into a directory
// being walked is a loop for both; a second link to a directory already walked is a loop
// for a directory source but read again in a chart (as Helm's loader does); an entry that
// cannot be resolved is named as the user sees it, also when the repository root is
// itself reached through a link.
func TestRepositoryWalkLinksAndLoops(t *testing.T) {
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
	chartYAML := "apiVersion: v2\nname: c\nversion: 0.1.0\n"
	cmFile := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: {{ required \"files/b is read\" (.Files.Get \"files/b/x.txt\") | quote }}}\n"
	recurse := "directory: {recurse: true}\n"
	tests := []struct {
		name    string
		files   map[string]string
		path    string
		extra   string
		note    string // the render-failed note; "" for none
		objects []string
		maxFile int64 // Options.MaxFileSize when not 0
	}{
		{
			name:  "directory: a link back up",
			files: map[string]string{"d/a/cm.yaml": cm, "d/a/up": "->.."},
			path:  "d", extra: recurse,
			note: "rendering directory d: d/a/up: a symbolic link loop",
		},
		{
			name:  "directory: a second link to a walked directory",
			files: map[string]string{"d/a/cm.yaml": cm, "d/b": "->a"},
			path:  "d", extra: recurse,
			note: "rendering directory d: d/b: a symbolic link loop",
		},
		{
			name:  "directory: a link to a directory, not recursing",
			files: map[string]string{"d/cm.yaml": cm, "d/b": "->../e", "e/x.yaml": "not: read\n"},
			path:  "d", objects: []string{"ConfigMap/cm"},
		},
		{
			name:  "directory: a dangling link",
			files: map[string]string{"d/cm.yaml": cm, "d/gone.yaml": "->missing.yaml"},
			path:  "d",
			note:  "rendering directory d: d/gone.yaml: file does not exist",
		},
		{
			name: "chart: a link back up",
			files: map[string]string{"c/Chart.yaml": chartYAML, "c/templates/cm.yaml": cm,
				"c/files/a/x.txt": "x", "c/files/a/up": "->.."},
			path: "c",
			note: "rendering Helm chart c: c/files/a/up: a symbolic link loop",
		},
		{
			name: "chart: a second link to a walked directory",
			files: map[string]string{"c/Chart.yaml": chartYAML, "c/templates/cm.yaml": cmFile,
				"c/files/a/x.txt": "x", "c/files/b": "->a"},
			path: "c", objects: []string{"ConfigMap/cm"},
		},
		{
			name: "chart: a dangling link",
			files: map[string]string{"c/Chart.yaml": chartYAML, "c/templates/cm.yaml": cm,
				"c/files/a/gone.txt": "->missing.txt"},
			path: "c",
			note: "rendering Helm chart c: c/files/a/gone.txt: file does not exist",
		},
		{
			name: "chart: a file over the size limit",
			files: map[string]string{"c/Chart.yaml": chartYAML, "c/templates/cm.yaml": cm,
				"c/files/big.txt": string(make([]byte, 2048))},
			path: "c", maxFile: 1024,
			note: "rendering Helm chart c: c/files/big.txt is 2.0 KiB, over the limit of 1.0 KiB",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The root is given through a link, so that a name taken from the resolved
			// path would show.
			base := t.TempDir()
			writeFiles(t, filepath.Join(base, "real"), tt.files)
			root := filepath.Join(base, "repo")
			require.NoError(t, os.Symlink("real", root))
			var mod func(*render.Options)
			if tt.maxFile != 0 {
				mod = func(o *render.Options) { o.MaxFileSize = tt.maxFile }
			}
			a := find(renderApps(t, renderer(t, root, mod), app("a", src(tt.path, tt.extra))), "a")
			require.NotNil(t, a)
			if tt.note == "" {
				assert.Empty(t, a.Notes)
			} else {
				require.NotEmpty(t, a.Notes)
				assert.Equal(t, render.NoteRenderFailed, a.Notes[0].Kind)
				assert.Equal(t, tt.note, a.Notes[0].Message)
			}
			assert.Equal(t, tt.objects, objectNames(a))
		})
	}
}
