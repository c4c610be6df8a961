package render_test

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	helmregistry "helm.sh/helm/v3/pkg/registry"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/charts"
)

// TestRemoteChartsRenderLikeHelmTemplate renders, through charts.Fetcher, a chart from a
// Helm repository on loopback (a semver range), the same chart from a private OCI
// registry in-process (basic auth, Argo CD's scheme-less form, pushed with Helm's own
// registry client) and a chart of the repository whose dependency is not vendored, and
// compares the first two with `helm template` of the archive. Then, offline from the same
// cache, the three render again with no request to either server.
func TestRemoteChartsRenderLikeHelmTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the helm peer binary (make test-bin)")
	}
	helm := filepath.Join(testenv.BinDir(), "helm")
	if _, err := os.Stat(helm); err != nil {
		t.Fatalf("%s not found: run `make test-bin`", helm)
	}
	var requests atomic.Int64
	repoURL := serveChartRepositoryCounting(t, &requests)

	const user, pass = "robot", "s3cret-registry-pass"
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	ociSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	defer ociSrv.Close()
	host := strings.TrimPrefix(ociSrv.URL, "http://")
	src := t.TempDir()
	writeFiles(t, src, webChart)
	c, err := loader.LoadDir(filepath.Join(src, "charts/web"))
	require.NoError(t, err)
	archive, err := chartutil.Save(c, t.TempDir())
	require.NoError(t, err)
	data, err := os.ReadFile(archive)
	require.NoError(t, err)
	client, err := helmregistry.NewClient(helmregistry.ClientOptPlainHTTP(), helmregistry.ClientOptWriter(io.Discard),
		helmregistry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")), helmregistry.ClientOptBasicAuth(user, pass))
	require.NoError(t, err)
	_, err = client.Push(data, host+"/charts/web:1.4.2")
	require.NoError(t, err)

	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"deps/Chart.yaml":        "apiVersion: v2\nname: deps\nversion: 0.1.0\ndependencies:\n- {name: web, version: ~1.4.0, repository: " + repoURL + "}\n",
		"deps/values.yaml":       "web: {replicaCount: 2}\n",
		"deps/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deps}\n",
	})
	cache := t.TempDir()
	apps := []render.Manifest{
		app("from-repo", "repoURL: "+repoURL+"\nchart: web\ntargetRevision: ~1.4.0"),
		app("from-oci", "repoURL: "+host+"/charts\nchart: web\ntargetRevision: 1.4.2"),
		app("deps", "repoURL: "+testRepo+"\npath: deps"),
	}
	renderAll := func(offline bool) map[string]map[string]string {
		f, err := charts.New(charts.Options{CacheDir: cache, Offline: offline,
			Credentials: []charts.Credential{{URL: host + "/charts", Username: user, Password: pass}}})
		require.NoError(t, err)
		res := renderApps(t, renderer(t, root, func(o *render.Options) { o.Charts = f }), apps...)
		out := map[string]map[string]string{}
		for _, m := range apps {
			name := m.Content["metadata"].(map[string]any)["name"].(string)
			a := find(res, name)
			require.NotNil(t, a)
			require.Empty(t, a.Notes, name)
			out[name] = renderedObjects(t, a)
		}
		return out
	}
	online := renderAll(false)
	for _, name := range []string{"from-repo", "from-oci"} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(helm, "template", name, archive, "--namespace", "shop", "--include-crds")
			cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.Output()
			require.NoError(t, err, stderr.String())
			assertSameObjects(t, cliObjects(t, stdout), online[name])
		})
	}
	assert.Contains(t, online["deps"], "apps/v1 Deployment shop/deps-web", "the dependency fetched from the Helm repository renders")
	assert.Contains(t, online["deps"], "v1 ConfigMap shop/deps")

	before := requests.Load()
	assert.Equal(t, online, renderAll(true), "offline from the cache, the same objects")
	assert.Equal(t, before, requests.Load(), "a cached chart costs no network")
}

// serveChartRepositoryCounting is serveChartRepository counting the requests.
func serveChartRepositoryCounting(t *testing.T, n *atomic.Int64) string {
	inner := serveChartRepository(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		resp, err := http.Get(inner + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if r.URL.Path == "/index.yaml" {
			body = bytes.ReplaceAll(body, []byte(inner), []byte("http://"+r.Host))
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRemoteProblemsAreNotesNamingTheApplication checks the bad remote input the issue
// lists, through charts.Fetcher against real servers: an unreachable repository and a
// dependency cycle are each a render-failed note naming the Application and the source,
// at once, and the other Application still renders.
func TestRemoteProblemsAreNotesNamingTheApplication(t *testing.T) {
	dir := t.TempDir()
	var srvURL string
	for _, c := range []struct{ name, dep string }{{"a", "b"}, {"b", "a"}} {
		ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: c.name, Version: "1.0.0",
			Dependencies: []*chart.Dependency{{Name: c.dep, Version: "1.0.0", Repository: "@SRV@"}}},
			Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + c.name + "}\n")}}}
		_, err := chartutil.Save(ch, dir)
		require.NoError(t, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/index.yaml" {
			_, _ = io.WriteString(w, "apiVersion: v1\nentries:\n"+
				"  a:\n  - {apiVersion: v2, name: a, version: 1.0.0, urls: ["+srvURL+"/a-1.0.0.tgz], dependencies: [{name: b, version: 1.0.0, repository: "+srvURL+"}]}\n"+
				"  b:\n  - {apiVersion: v2, name: b, version: 1.0.0, urls: ["+srvURL+"/b-1.0.0.tgz], dependencies: [{name: a, version: 1.0.0, repository: "+srvURL+"}]}\n")
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, filepath.Base(r.URL.Path)))
	}))
	defer srv.Close()
	srvURL = srv.URL
	// The archives name their dependency's repository; rewrite it now that the URL is known.
	for _, name := range []string{"a", "b"} {
		p := filepath.Join(dir, name+"-1.0.0.tgz")
		c, err := loader.Load(p)
		require.NoError(t, err)
		c.Metadata.Dependencies[0].Repository = srvURL
		require.NoError(t, os.Remove(p))
		_, err = chartutil.Save(c, dir)
		require.NoError(t, err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	f, err := charts.New(charts.Options{CacheDir: t.TempDir()})
	require.NoError(t, err)
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"ok/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n"})
	res := renderApps(t, renderer(t, root, func(o *render.Options) { o.Charts = f }),
		app("unreachable", "repoURL: "+closedURL+"\nchart: web\ntargetRevision: 1.0.0"),
		app("cycle", "repoURL: "+srvURL+"\nchart: a\ntargetRevision: 1.0.0"),
		app("fine", "repoURL: "+testRepo+"\npath: ok"),
	)
	for name, want := range map[string]string{
		"unreachable": "fetching chart web 1.0.0 from " + closedURL,
		"cycle":       "dependency cycle: a -> b -> a",
	} {
		a := find(res, name)
		require.NotNil(t, a, name)
		require.Len(t, a.Notes, 1, name)
		assert.Equal(t, render.NoteRenderFailed, a.Notes[0].Kind, name)
		assert.Equal(t, name, a.Notes[0].Application)
		assert.Contains(t, a.Notes[0].Source, "chart")
		assert.Contains(t, a.Notes[0].Message, want, name)
	}
	assert.Equal(t, []string{"ConfigMap/ok"}, objectNames(find(res, "fine")))
}
