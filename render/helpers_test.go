package render_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/render"
)

const testRepo = "https://git.example.com/team/deploy.git"

// writeFiles writes files under dir; a value starting with "->" makes a symbolic link to
// the rest.
func writeFiles(t *testing.T, dir string, files map[string]string) { writeFilesB(t, dir, files) }

func writeFilesB(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if target, ok := strings.CutPrefix(text, "->"); ok {
			require.NoError(t, os.Symlink(target, p))
			continue
		}
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
}

// app is an Application of the test repository with the given source (YAML).
func app(name, source string) render.Manifest { return application(name, "source", source) }

// multi is an Application of the test repository with the given sources (a YAML list).
func multi(name, sources string) render.Manifest { return application(name, "sources", sources) }

// application is an Application deploying to namespace shop whose spec field (source or
// sources) is text.
func application(name, field, text string) render.Manifest {
	doc := "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: " + name + ", namespace: argocd}\n" +
		"spec:\n  project: default\n  destination: {server: https://kubernetes.default.svc, namespace: shop}\n  " + field + ":\n" +
		indent(text, "    ")
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		panic(err)
	}
	return render.Manifest{File: "apps/" + name + ".yaml", Line: 1, Content: m}
}

// src is a source of the test repository at path, with extra (YAML fields) after.
func src(path, extra string) string { return "repoURL: " + testRepo + "\npath: " + path + "\n" + extra }

func indent(s, pre string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(pre + l + "\n")
	}
	return b.String()
}

func renderer(t *testing.T, root string, mod func(*render.Options)) *render.Renderer {
	t.Helper()
	opts := render.DefaultOptions()
	opts.RepoRoot, opts.RepoURL = root, testRepo
	if mod != nil {
		mod(&opts)
	}
	r, err := render.New(opts)
	require.NoError(t, err)
	return r
}

func renderApps(t *testing.T, r *render.Renderer, ms ...render.Manifest) *render.Result {
	t.Helper()
	res, err := r.Render(context.Background(), ms)
	require.NoError(t, err)
	return res
}

func find(res *render.Result, name string) *render.Application {
	for i := range res.Applications {
		if res.Applications[i].Name == name {
			return &res.Applications[i]
		}
	}
	return nil
}

// dump is everything a result holds, for grepping.
func dump(t *testing.T, res *render.Result) string {
	t.Helper()
	out, err := yaml.Marshal(res)
	require.NoError(t, err)
	return string(out)
}

func objectNames(a *render.Application) []string {
	var out []string
	for _, o := range a.Objects {
		out = append(out, o.GroupVersionKind().Kind+"/"+o.Name())
	}
	return out
}

// renderSilently renders ms with r and checks that rendering wrote nothing to the standard
// logger or os.Stderr and left both as it found them.
func renderSilently(t *testing.T, r *render.Renderer, ms ...render.Manifest) *render.Result {
	t.Helper()
	var res *render.Result
	logged, printed, restored := captureOutput(t, func() { res = renderApps(t, r, ms...) })
	assert.True(t, restored, "the log output and os.Stderr are the caller's again")
	assert.Empty(t, logged)
	assert.Empty(t, printed)
	return res
}

// captureOutput runs fn with the standard logger and os.Stderr captured, and returns what
// each received and whether fn left both as captureOutput set them (a library that
// redirects them must give them back).
func captureOutput(t *testing.T, fn func()) (logged, printed string, restored bool) {
	t.Helper()
	var buf bytes.Buffer
	log.SetOutput(&buf)
	defer log.SetOutput(os.Stderr)
	stderr := os.Stderr
	rd, wr, err := os.Pipe()
	require.NoError(t, err)
	os.Stderr = wr
	fn()
	restored = os.Stderr == wr && log.Writer() == io.Writer(&buf)
	os.Stderr = stderr
	require.NoError(t, wr.Close())
	out, _ := io.ReadAll(rd)
	return buf.String(), string(out), restored
}
