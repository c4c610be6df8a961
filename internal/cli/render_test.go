package cli_test

import (
	"bytes"
	"encoding/json"
	"flag"
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
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
)

var updateGolden = flag.Bool("update-render", false, "rewrite the golden files of the render and diff commands in testdata/render")

// renderRepoFiles are a git repository's Applications: a chart with a Secret and an
// overlay, both from this repository, and one from another repository.
var renderRepoFiles = map[string]string{
	"apps/apps.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/example/deploy.git, path: charts/web}
  destination: {server: https://kubernetes.default.svc, namespace: web}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd}
spec:
  project: default
  source: {repoURL: git@github.com:example/deploy.git, path: overlays/shop}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`,
	"apps/other.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: elsewhere, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/example/other.git, path: x}
  destination: {server: https://kubernetes.default.svc, namespace: other}
`,
	"charts/web/Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"charts/web/values.yaml": "replicas: 1\nimage: nginx:1.27\npassword: hunter2-base\n",
	"charts/web/templates/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers: [{name: web, image: {{ .Values.image }}}]
`,
	"charts/web/templates/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: {{ .Release.Name }}-creds}\nstringData: {password: {{ .Values.password }}}\n",
	"overlays/shop/kustomization.yaml": "resources: [cm.yaml]\nnamePrefix: shop-\n",
	"overlays/shop/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: a}\n",
}

// gitRepo is a git repository holding files, committed, with origin
// github.com/example/deploy.
func gitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := policyRepo(t, files)
	git(t, dir, "init", "-q")
	git(t, dir, "remote", "add", "origin", "https://github.com/example/deploy.git")
	commitAll(t, dir, "base")
	return dir
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return string(out)
}

func commitAll(t *testing.T, dir, msg string) {
	t.Helper()
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", msg)
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
}

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join(testdataDir, "render", name)
	if *updateGolden {
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./internal/cli -run 'Render|Diff' -update-render to write the golden files")
	assert.Equal(t, string(want), got)
}

// testdataDir is the package's testdata, found before a test changes directory.
var testdataDir = func() string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		panic(err)
	}
	return d
}()

func TestRenderPrintsEachApplicationIntroducedByAComment(t *testing.T) {
	dir := gitRepo(t, renderRepoFiles)
	r := runPolicyCmd(t, dir, "", "render")
	require.Equal(t, 0, r.code, r.msg+r.stderr)
	goldenFile(t, "render.yaml", r.stdout)
	assert.Equal(t, "not-rendered Application elsewhere source https://github.com/example/other.git path x: "+
		"source https://github.com/example/other.git path x is another repository than the one checked (github.com/example/deploy), so what it deploys is not checked (apps/other.yaml:1)\n", r.stderr)
}

func TestRenderJSONHasTheDocumentedShape(t *testing.T) {
	dir := gitRepo(t, renderRepoFiles)
	r := runPolicyCmd(t, dir, "", "render", "apps", "-o", "json")
	require.Equal(t, 0, r.code, r.msg+r.stderr)
	goldenFile(t, "render.json", r.stdout)
	var out struct {
		Applications []struct {
			Name, Namespace, File string
			Objects               []map[string]any
		}
		Findings []struct{ Rule, Severity, Application string }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	require.Len(t, out.Applications, 3)
	assert.Equal(t, "apps/apps.yaml", out.Applications[0].File)
	require.Len(t, out.Findings, 1)
	assert.Equal(t, "not-rendered", out.Findings[0].Rule)
	assert.Empty(t, r.stderr, "-o json says everything on standard output")
}

func TestRenderSelectsApplicationsByName(t *testing.T) {
	dir := gitRepo(t, renderRepoFiles)
	r := runPolicyCmd(t, dir, "", "render", "--app", "shop")
	require.Equal(t, 0, r.code, r.msg+r.stderr)
	assert.Equal(t, "# Application argocd/shop (apps/apps.yaml:9): 1 object\napiVersion: v1\ndata:\n  mode: a\nkind: ConfigMap\nmetadata:\n  name: shop-settings\n  namespace: shop\n", r.stdout)
	assert.Empty(t, r.stderr, "the note about another Application is not shown")
}

func TestRenderExitCodes(t *testing.T) {
	broken := map[string]string{
		"charts/bad/templates/x.yaml": "{{ fail \"no\" }}\n",
		"charts/bad/Chart.yaml":       "apiVersion: v2\nname: bad\nversion: 0.1.0\n",
		"apps/bad.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: bad, namespace: argocd}
spec:
  source: {repoURL: https://github.com/example/deploy.git, path: charts/bad}
  destination: {namespace: bad}
`,
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		args  []string
		code  int
		msg   string
	}{
		{"everything renders: 0", renderRepoFiles, []string{"render", "apps/apps.yaml"}, 0, ""},
		{"a source fails to render: 1", broken, []string{"render"}, 1, ""},
		{"no Application: 2", map[string]string{"cm.yaml": cleanConfigMap}, []string{"render"}, 2, "no Application or ApplicationSet found in ."},
		{"a path that does not exist: 2", renderRepoFiles, []string{"render", "nope"}, 2, "reading nope: no such file or directory"},
		{"an unknown Application: 2", renderRepoFiles, []string{"render", "--app", "nope"}, 2, "no Application named nope in ."},
		{"an unknown format: 2", renderRepoFiles, []string{"render", "-o", "xml"}, 2, `invalid argument "xml" for "-o, --output" flag: unsupported output format "xml": use one of [yaml json]; see 'kubectl ck8sargo render --help'`},
		{"an argocd-cm that is not a ConfigMap: 2", renderRepoFiles, []string{"render", "--argocd-cm", "apps/apps.yaml"}, 2, "--argocd-cm: apps/apps.yaml: not a ConfigMap (apiVersion v1, kind ConfigMap) such as argocd-cm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := gitRepo(t, c.files)
			r := runPolicyCmd(t, dir, "", c.args...)
			assert.Equal(t, c.code, r.code, r.msg+r.stderr)
			assert.Equal(t, c.msg, r.msg)
			if c.code == 1 {
				assert.Contains(t, r.stderr, "render-failed Application bad source https://github.com/example/deploy.git path charts/bad: ")
			}
		})
	}
}

func TestRenderNeedsTheRepositoryURL(t *testing.T) {
	dir := policyRepo(t, renderRepoFiles)
	r := runPolicyCmd(t, dir, "", "render")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.msg, "is not in a git work tree: pass --repo-root DIR (and --repo-url URL)")
	r = runPolicyCmd(t, dir, "", "render", "--repo-root", ".", "--repo-url", "https://github.com/example/deploy.git", "--app", "shop")
	assert.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "name: shop-settings")
}

// changeRepo is renderRepoFiles committed, then changed in the working tree: replicas and
// the Secret's value of the chart, the overlay's ConfigMap, and a new Application.
func changeRepo(t *testing.T) string {
	dir := gitRepo(t, renderRepoFiles)
	writeFile(t, dir, "charts/web/values.yaml", "replicas: 3\nimage: nginx:1.27\npassword: hunter2-head\n")
	writeFile(t, dir, "overlays/shop/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: b, extra: x}\n")
	writeFile(t, dir, "apps/new.yaml", `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: cart, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/example/deploy.git, path: overlays/shop, kustomize: {namePrefix: cart-}}
  destination: {server: https://kubernetes.default.svc, namespace: cart}
`)
	return dir
}

func TestDiffShowsWhatTheWorkingTreeChanges(t *testing.T) {
	for _, format := range []string{"text", "markdown", "json", "html"} {
		t.Run(format, func(t *testing.T) {
			dir := changeRepo(t)
			before := git(t, dir, "status", "--porcelain")
			r := runPolicyCmd(t, dir, "", "diff", "--base", "HEAD", "-o", format)
			require.Equal(t, 1, r.code, "changes exit 1: "+r.msg+r.stderr)
			ext := map[string]string{"text": "txt", "markdown": "md", "json": "json", "html": "html"}[format]
			goldenFile(t, "diff."+ext, r.stdout)
			assert.NotContains(t, r.stdout, "hunter2", "Secret values are never shown")
			assert.Equal(t, before, git(t, dir, "status", "--porcelain"), "the working tree and index are untouched")
		})
	}
}

func TestDiffComparesTwoRevisions(t *testing.T) {
	dir := changeRepo(t)
	commitAll(t, dir, "head")
	r := runPolicyCmd(t, dir, "", "diff", "--base", "HEAD~1", "--head", "HEAD", "-o", "json")
	require.Equal(t, 1, r.code, r.msg+r.stderr)
	var rep struct {
		Base, Head string
		Summary    struct{ Added, Removed, Changed int }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, "HEAD~1", rep.Base)
	assert.Equal(t, "HEAD", rep.Head)
	assert.Equal(t, 1, rep.Summary.Added, "the new Application's ConfigMap")
	assert.Equal(t, 3, rep.Summary.Changed, "the Deployment, the Secret and the ConfigMap")

	r = runPolicyCmd(t, dir, "", "diff", "--base", "HEAD")
	assert.Equal(t, 0, r.code, "no change exits 0: "+r.msg)
	assert.Equal(t, "HEAD -> working tree: No change in 4 Applications of working tree.\n", r.stdout)
}

func TestDiffOnePathOnly(t *testing.T) {
	dir := changeRepo(t)
	r := runPolicyCmd(t, dir, "", "diff", "apps/new.yaml", "--base", "HEAD", "-o", "json")
	require.Equal(t, 1, r.code, r.msg)
	assert.Contains(t, r.stdout, `"change": "added"`)
	assert.NotContains(t, r.stdout, `"web"`, "Applications outside the path are not compared")
}

func TestDiffPolicyAddsTheHeadsFindings(t *testing.T) {
	dir := changeRepo(t)
	r := runPolicyCmd(t, dir, "", "diff", "--base", "HEAD", "--policy", "-o", "markdown")
	require.Equal(t, 1, r.code, r.msg)
	assert.Contains(t, r.stdout, "**Policy findings on `working tree`**")
	assert.Contains(t, r.stdout, "resource-requests error")
}

func TestDiffExitCodes(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no base", []string{"diff"}, "--base is required: name the revision to compare with, such as origin/main"},
		{"an unknown revision", []string{"diff", "--base", "nope"}, `revision "nope" is not a commit of the repository`},
		{"a revision that looks like a flag", []string{"diff", "--base=--output=x"}, "a revision cannot start with -"},
		{"an unknown format", []string{"diff", "--base", "HEAD", "-o", "pdf"}, `unsupported output format "pdf"`},
		{"a path outside the repository", []string{"diff", "..", "--base", "HEAD", "--repo-root", "."}, "is outside the repository"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := gitRepo(t, renderRepoFiles)
			r := runPolicyCmd(t, dir, "", c.args...)
			assert.Equal(t, 2, r.code, r.msg)
			assert.Contains(t, r.msg, c.msg)
			assert.Empty(t, r.stdout, "nothing half-written")
		})
	}
}

func TestDiffMarkdownStaysUnderTheLimit(t *testing.T) {
	dir := changeRepo(t)
	var big bytes.Buffer
	for range 3000 {
		big.WriteString("line: a-long-value-that-changes\n")
	}
	writeFile(t, dir, "overlays/shop/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata:\n  big: |\n"+indentLines(big.String(), "    "))
	r := runPolicyCmd(t, dir, "", "diff", "--base", "HEAD", "-o", "markdown", "--markdown-limit", "20000")
	require.Equal(t, 1, r.code, r.msg)
	assert.LessOrEqual(t, len(r.stdout), 20000)
	assert.Contains(t, r.stdout, "left out")
}

func indentLines(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+pre) + "\n"
}

// TestRenderUsesRepositorySecretsForPrivateCharts renders an Application whose chart is in
// a private Helm repository on loopback (basic auth), with the Argo CD repository Secret
// beside it in the input, as Argo CD finds the credentials; the password is never printed.
func TestRenderUsesRepositorySecretsForPrivateCharts(t *testing.T) {
	const user, password = "shop", "hunter2-private-repo"
	archive := filepath.Join(t.TempDir(), "private")
	require.NoError(t, os.MkdirAll(archive, 0o755))
	c := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "private", Version: "2.0.1"},
		Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}-settings}\ndata: {v: {{ .Chart.Version | quote }}}\n")}}}
	tgz, err := chartutil.Save(c, archive)
	require.NoError(t, err)
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/index.yaml":
			fmt.Fprintf(w, "apiVersion: v1\nentries:\n  private:\n  - {apiVersion: v2, name: private, version: 2.0.1, urls: [%s/private-2.0.1.tgz]}\n", srvURL)
		case "/private-2.0.1.tgz":
			http.ServeFile(w, r, tgz)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	files := map[string]string{
		"apps/private.yaml": fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: private, namespace: argocd}
spec:
  project: default
  source: {repoURL: %s, chart: private, targetRevision: ^2.0.0}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`, srv.URL),
		"apps/repo-secret.yaml": fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: private-charts
  labels: {argocd.argoproj.io/secret-type: repository}
stringData: {type: helm, url: %s, username: %s, password: %s}
`, srv.URL, user, password),
	}
	dir := gitRepo(t, files)
	r := runPolicyCmd(t, dir, "", "render", "apps")
	require.Equal(t, 0, r.code, r.msg+r.stderr)
	assert.Equal(t, "# Application argocd/private (apps/private.yaml:1): 1 object\napiVersion: v1\ndata:\n  v: 2.0.1\nkind: ConfigMap\nmetadata:\n  name: private-settings\n  namespace: shop\n", r.stdout)
	assert.Empty(t, r.stderr)

	require.NoError(t, os.Remove(filepath.Join(dir, "apps/repo-secret.yaml")))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	r = runPolicyCmd(t, dir, "", "render", "apps")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "render-failed Application private")
	assert.Contains(t, r.stderr, "401")
	for _, out := range []string{r.stdout, r.stderr, r.msg} {
		assert.NotContains(t, out, password)
	}
}
