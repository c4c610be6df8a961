package charts_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
	"github.com/ck8sargo/ck8sargo/render/charts"
)

func newFetcher(t testing.TB, opts charts.Options) *charts.Fetcher {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	f, err := charts.New(opts)
	require.NoError(t, err)
	return f
}

func TestChartFromHelmRepositoryResolvesVersionsAsHelm(t *testing.T) {
	r := newHelmRepo(t, "", "")
	for _, v := range []string{"1.0.0", "1.2.0", "1.3.0-rc.1", "2.0.0"} {
		r.publish(t, "web", v)
	}
	r.add(t, "api", "0.5.0", buildArchive(t, "api", "0.5.0"), true, "")

	tests := []struct {
		name, chart, version, want string
		notFound                   bool
	}{
		{name: "exact version", chart: "web", version: "1.2.0", want: "1.2.0"},
		{name: "caret range picks the newest release in range", chart: "web", version: "^1.0.0", want: "1.2.0"},
		{name: "range asking for prereleases gets one", chart: "web", version: ">=1.3.0-0 <2.0.0", want: "1.3.0-rc.1"},
		{name: "empty version is the newest release", chart: "web", version: "", want: "2.0.0"},
		{name: "wildcard", chart: "web", version: "1.x", want: "1.2.0"},
		{name: "absolute archive URL in the index", chart: "api", version: "0.5.0", want: "0.5.0"},
		{name: "missing version", chart: "web", version: "3.0.0", notFound: true},
		{name: "range matching nothing", chart: "web", version: "~0.1", notFound: true},
		{name: "unknown chart", chart: "nope", version: "1.0.0", notFound: true},
	}
	f := newFetcher(t, charts.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := f.Chart(context.Background(), r.URL, tt.chart, tt.version)
			if tt.notFound {
				var nf *charts.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, tt.chart, nf.Chart)
				assert.Contains(t, err.Error(), r.URL)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.chart, c.Name())
			assert.Equal(t, tt.want, c.Metadata.Version)
			require.Len(t, c.Templates, 1)
		})
	}
}

func TestChartRefusesBadArchives(t *testing.T) {
	r := newHelmRepo(t, "", "")
	good := buildArchive(t, "good", "1.0.0")
	r.add(t, "tampered", "1.0.0", good, false, "0000000000000000000000000000000000000000000000000000000000000000")
	r.add(t, "escape", "1.0.0", tarGz(t, map[string]string{"escape/Chart.yaml": "apiVersion: v2\nname: escape\nversion: 1.0.0\n", "escape/../../evil": "x"}), false, "")
	r.add(t, "absolute", "1.0.0", tarGz(t, map[string]string{"absolute/Chart.yaml": "apiVersion: v2\nname: absolute\nversion: 1.0.0\n", "/etc/evil": "x"}), false, "")
	r.add(t, "bomb", "1.0.0", tarGz(t, map[string]string{"bomb/Chart.yaml": "apiVersion: v2\nname: bomb\nversion: 1.0.0\n", "bomb/zeros": string(make([]byte, 3<<20))}), false, "")
	r.add(t, "big", "1.0.0", append(good, make([]byte, 2<<20)...), false, "")
	r.add(t, "notgzip", "1.0.0", []byte("plain text"), false, "")

	tests := []struct {
		chart   string
		is      error
		message string
	}{
		{"tampered", charts.ErrDigestMismatch, "digest mismatch"},
		{"escape", charts.ErrUnsafeArchive, "escapes the chart directory"},
		{"absolute", charts.ErrUnsafeArchive, "absolute path"},
		{"bomb", charts.ErrUnsafeArchive, "expands to more than"},
		{"big", charts.ErrUnsafeArchive, "more than the limit"},
		{"notgzip", charts.ErrUnsafeArchive, "not a gzip archive"},
	}
	cache := t.TempDir()
	f := newFetcher(t, charts.Options{CacheDir: cache, MaxArchiveSize: 1 << 20, MaxExpandedSize: 2 << 20})
	for _, tt := range tests {
		t.Run(tt.chart, func(t *testing.T) {
			_, err := f.Chart(context.Background(), r.URL, tt.chart, "1.0.0")
			require.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.message)
			assert.Contains(t, err.Error(), tt.chart)
		})
	}
	// Nothing refused reaches the cache.
	archives, err := filepath.Glob(filepath.Join(cache, "*", "*.tgz"))
	require.NoError(t, err)
	assert.Empty(t, archives)
}

// cachedWeb is a Helm repository that publishes the chart web at versions, a cache that
// holds web at version cached, and the Fetcher that fetched it from the repository once.
func cachedWeb(t testing.TB, cached string, versions ...string) (*helmRepo, string, *charts.Fetcher) {
	t.Helper()
	r := newHelmRepo(t, "", "")
	for _, v := range versions {
		r.publish(t, "web", v)
	}
	cache := t.TempDir()
	f := newFetcher(t, charts.Options{CacheDir: cache})
	_, err := f.Chart(context.Background(), r.URL, "web", cached)
	require.NoError(t, err)
	return r, cache, f
}

func TestCachedChartCostsNoNetwork(t *testing.T) {
	r, cache, _ := cachedWeb(t, "1.1.0", "1.0.0", "1.1.0")
	warm := r.requests.Load()
	require.Equal(t, int64(2), warm, "index and archive")

	// A new process (a new Fetcher on the same cache): an exact version and a range
	// within the index TTL cost nothing.
	f := newFetcher(t, charts.Options{CacheDir: cache})
	for _, v := range []string{"1.1.0", "^1.0.0"} {
		c, err := f.Chart(context.Background(), r.URL, "web", v)
		require.NoError(t, err)
		assert.Equal(t, "1.1.0", c.Metadata.Version)
	}
	assert.Equal(t, warm, r.requests.Load())

	// Past the TTL the index is revalidated by ETag (304), and the archive still comes from
	// the cache.
	stale := newFetcher(t, charts.Options{CacheDir: cache, IndexTTL: time.Nanosecond})
	_, err := stale.Chart(context.Background(), r.URL, "web", "^1.0.0")
	require.NoError(t, err)
	assert.Equal(t, warm+1, r.requests.Load())
	assert.Equal(t, int64(1), r.archives.Load())

	// Cached files are plain 0644 files, no secret.
	files, err := filepath.Glob(filepath.Join(cache, "*", "web-1.1.0.tgz"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	st, err := os.Stat(files[0])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
}

func TestOfflineUsesTheCacheOnly(t *testing.T) {
	r, cache, _ := cachedWeb(t, "1.0.0", "1.0.0", "2.0.0")
	url := r.URL
	r.Close() // offline really means no network: the server is gone

	f := newFetcher(t, charts.Options{CacheDir: cache, Offline: true, IndexTTL: time.Nanosecond})
	tests := []struct {
		name, repo, chart, version string
		hit                        bool
	}{
		{name: "exact version in the cache", repo: url, chart: "web", version: "1.0.0", hit: true},
		{name: "range resolved with the cached index, however old", repo: url, chart: "web", version: "<2", hit: true},
		{name: "version in the index but not in the cache", repo: url, chart: "web", version: "2.0.0"},
		{name: "repository never fetched", repo: "https://charts.invalid/stable", chart: "web", version: "^1"},
		{name: "OCI registry never fetched", repo: "oci://registry.invalid/charts", chart: "web", version: "1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := f.Chart(context.Background(), tt.repo, tt.chart, tt.version)
			if tt.hit {
				require.NoError(t, err)
				assert.Equal(t, "1.0.0", c.Metadata.Version)
				return
			}
			var nc *charts.NotCachedError
			require.ErrorAs(t, err, &nc)
			assert.Equal(t, tt.version, nc.Version)
			assert.Contains(t, err.Error(), "not in the cache (offline)")
		})
	}
}

func TestUnreachableRepositoryIsAnErrorNamingIt(t *testing.T) {
	for _, repoURL := range []string{"http://" + fixture.ClosedPort(t) + "/charts", "oci://" + fixture.ClosedPort(t) + "/charts"} {
		t.Run(repoURL, func(t *testing.T) {
			f := newFetcher(t, charts.Options{Timeout: 5 * time.Second})
			start := time.Now()
			_, err := f.Chart(context.Background(), repoURL, "web", "^1.0.0")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "refused")
			assert.Contains(t, err.Error(), repoURL)
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func TestHangingServerEndsWithinTheTimeout(t *testing.T) {
	addr := fixture.SilentServer(t)
	tests := []struct{ name, repo, version string }{
		{"helm index", "http://" + addr, "^1"},
		{"oci tags", "oci://" + addr + "/charts", "^1"},
		{"oci manifest", addr + "/charts", "1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFetcher(t, charts.Options{Timeout: shortTimeout})
			start := time.Now()
			_, err := f.Chart(context.Background(), tt.repo, "web", tt.version)
			elapsed := time.Since(start)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Contains(t, err.Error(), "no answer within")
			assert.Less(t, elapsed, 5*shortTimeout, "one timeout, not retries piling up")
		})
	}

	t.Run("the caller's context ends it too", func(t *testing.T) {
		f := newFetcher(t, charts.Options{Timeout: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(shortTimeout, cancel)
		start := time.Now()
		_, err := f.Chart(ctx, "http://"+addr, "web", "1.0.0")
		require.True(t, errors.Is(err, context.Canceled), "%v", err)
		assert.Less(t, time.Since(start), 5*shortTimeout)
	})
}

func TestRepositoryURLForms(t *testing.T) {
	f := newFetcher(t, charts.Options{Offline: true})
	for _, tt := range []struct{ url, message string }{
		{"ftp://charts.example.com", "scheme not supported"},
		{"http://", "not a valid URL"},
		{"", "neither an http(s) URL nor an OCI registry"},
	} {
		_, err := f.Chart(context.Background(), tt.url, "web", "1.0.0")
		require.Error(t, err, tt.url)
		assert.Contains(t, err.Error(), tt.message, tt.url)
	}
}
