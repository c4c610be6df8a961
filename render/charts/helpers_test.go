package charts_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	helmregistry "helm.sh/helm/v3/pkg/registry"
	"sigs.k8s.io/yaml"
)

// buildArchive packages a small chart with Helm's own chartutil.Save, as `helm package`
// does.
func buildArchive(t testing.TB, name, version string, deps ...*chart.Dependency) []byte {
	t.Helper()
	c := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: version, Dependencies: deps},
		Templates: []*chart.File{{
			Name: "templates/configmap.yaml",
			Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-" + name + "\n"),
		}},
	}
	p, err := chartutil.Save(c, t.TempDir())
	require.NoError(t, err)
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return data
}

// tarGz builds an archive by hand, for entries chartutil.Save would never write.
func tarGz(t testing.TB, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range entries {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// helmRepo is a Helm chart repository on loopback: index.yaml (laid out as `helm repo
// index` writes it, with an ETag) and the archives, optionally behind basic auth.
type helmRepo struct {
	*httptest.Server
	user, pass string

	mu       sync.Mutex
	entries  map[string][]map[string]any
	files    map[string][]byte
	requests atomic.Int64
	archives atomic.Int64 // archive downloads only
}

func newHelmRepo(t testing.TB, user, pass string) *helmRepo {
	r := &helmRepo{user: user, pass: pass, entries: map[string][]map[string]any{}, files: map[string][]byte{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *helmRepo) serve(w http.ResponseWriter, req *http.Request) {
	r.requests.Add(1)
	if r.user != "" {
		if u, p, ok := req.BasicAuth(); !ok || u != r.user || p != r.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.URL.Path == "/index.yaml" {
		body, err := yaml.Marshal(map[string]any{
			"apiVersion": "v1",
			"entries":    r.entries,
			"generated":  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if req.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(body)
		return
	}
	data, ok := r.files[req.URL.Path]
	if !ok {
		http.NotFound(w, req)
		return
	}
	r.archives.Add(1)
	_, _ = w.Write(data)
}

// add publishes an archive. With absolute, the index gives its full URL under /archives/;
// otherwise a URL relative to the repository. digest overrides the index digest when set.
func (r *helmRepo) add(t testing.TB, name, version string, data []byte, absolute bool, digest string) {
	t.Helper()
	if digest == "" {
		sum := sha256.Sum256(data)
		digest = hex.EncodeToString(sum[:])
	}
	file := name + "-" + version + ".tgz"
	r.mu.Lock()
	defer r.mu.Unlock()
	u := file
	if absolute {
		u = r.URL + "/archives/" + file
		r.files["/archives/"+file] = data
	} else {
		r.files["/"+file] = data
	}
	r.entries[name] = append(r.entries[name], map[string]any{
		"apiVersion": "v2", "name": name, "version": version,
		"urls": []string{u}, "digest": digest, "created": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	})
}

// publish builds and adds a chart.
func (r *helmRepo) publish(t testing.TB, name, version string, deps ...*chart.Dependency) {
	t.Helper()
	r.add(t, name, version, buildArchive(t, name, version, deps...), false, "")
}

// ociRegistry is go-containerregistry's registry in-process, optionally behind basic auth,
// counting requests.
type ociRegistry struct {
	*httptest.Server
	host     string
	requests atomic.Int64
}

func newOCIRegistry(t testing.TB, user, pass string) *ociRegistry {
	o := &ociRegistry{}
	h := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		o.requests.Add(1)
		if user != "" {
			if u, p, ok := req.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
				return
			}
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(o.Close)
	o.host = strings.TrimPrefix(o.URL, "http://")
	return o
}

// push uploads a chart with Helm's own registry client, as `helm push` does, to
// host/charts/name:version.
func (o *ociRegistry) push(t testing.TB, user, pass, name, version string, deps ...*chart.Dependency) {
	t.Helper()
	opts := []helmregistry.ClientOption{
		helmregistry.ClientOptPlainHTTP(),
		helmregistry.ClientOptWriter(io.Discard),
		helmregistry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")),
	}
	if user != "" {
		opts = append(opts, helmregistry.ClientOptBasicAuth(user, pass))
	}
	c, err := helmregistry.NewClient(opts...)
	require.NoError(t, err)
	_, err = c.Push(buildArchive(t, name, version, deps...), o.host+"/charts/"+name+":"+version)
	require.NoError(t, err)
}

const shortTimeout = 300 * time.Millisecond
