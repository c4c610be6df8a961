package charts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

// Defaults of Options.
const (
	DefaultTimeout         = 30 * time.Second
	DefaultIndexTTL        = 5 * time.Minute
	DefaultMaxArchiveSize  = 20 << 20
	DefaultMaxExpandedSize = 100 << 20
	DefaultMaxIndexSize    = 100 << 20
)

// Options configure a Fetcher. The zero value is usable: every field has a default.
type Options struct {
	// CacheDir holds chart archives, index files and tag lists. Default: DefaultCacheDir().
	CacheDir string
	// Offline answers from the cache only; what is missing is a *NotCachedError.
	Offline bool
	// Timeout bounds each network call (one index, tag list, manifest or archive). Default
	// DefaultTimeout.
	Timeout time.Duration
	// IndexTTL is how long a cached index.yaml or OCI tag list is used without asking the
	// server; after it, the index is revalidated (If-None-Match / If-Modified-Since) and tags
	// are listed again. Default DefaultIndexTTL. Offline, cached indexes of any age are used.
	IndexTTL time.Duration
	// Credentials for private repositories and registries (see Credential for matching).
	Credentials []Credential
	// HTTPClient makes the requests; its Transport is used for OCI registries too.
	// Default: a client with http.DefaultTransport's settings.
	HTTPClient *http.Client
	// Progress, when set, is called as indexes and archives are fetched; from several
	// goroutines when the Fetcher is used concurrently.
	Progress func(Event)
	// MaxArchiveSize and MaxExpandedSize bound a chart archive, compressed and expanded.
	// Defaults DefaultMaxArchiveSize (20 MiB) and DefaultMaxExpandedSize (100 MiB).
	MaxArchiveSize, MaxExpandedSize int64
}

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	EventIndex    EventKind = "index"    // fetching an index.yaml or an OCI tag list
	EventDownload EventKind = "download" // archive bytes received so far (Bytes of Total)
	EventFetched  EventKind = "fetched"  // an archive was downloaded and stored in the cache
	EventCached   EventKind = "cached"   // an archive came from the cache
)

// Event is progress of a Fetcher. It never holds credentials.
type Event struct {
	Kind       EventKind
	Repository string // URL without credentials
	Chart      string
	Version    string // resolved, except for EventIndex
	Bytes      int64  // received so far (EventDownload, EventFetched)
	Total      int64  // expected size, 0 when the server did not say
}

// Fetcher fetches charts from Helm repositories and OCI registries through a cache on disk.
// It is safe for concurrent use. It implements render.ChartSource.
type Fetcher struct {
	opts Options
	http *http.Client

	mu      sync.Mutex
	locks   map[string]*sync.Mutex // per cache key: one download at a time
	mem     map[string][]byte      // archives already read in this process
	memSize int64
	indexes map[string]*cachedIndex // by repository key (+ chart for OCI)
}

// maxMemory bounds the archives a Fetcher keeps in memory; beyond it they are read from disk.
const maxMemory = 256 << 20

// New returns a Fetcher for opts.
func New(opts Options) (*Fetcher, error) {
	if opts.CacheDir == "" {
		d, err := DefaultCacheDir()
		if err != nil {
			return nil, err
		}
		opts.CacheDir = d
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.IndexTTL <= 0 {
		opts.IndexTTL = DefaultIndexTTL
	}
	if opts.MaxArchiveSize <= 0 {
		opts.MaxArchiveSize = DefaultMaxArchiveSize
	}
	if opts.MaxExpandedSize <= 0 {
		opts.MaxExpandedSize = DefaultMaxExpandedSize
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return &Fetcher{
		opts:    opts,
		http:    client,
		locks:   map[string]*sync.Mutex{},
		mem:     map[string][]byte{},
		indexes: map[string]*cachedIndex{},
	}, nil
}

// DefaultCacheDir is $XDG_CACHE_HOME/ck8sargo/charts, else ~/.cache/ck8sargo/charts.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ck8sargo", "charts"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the chart cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "ck8sargo", "charts"), nil
}

// Chart returns chart name at version from repoURL: an http(s) Helm repository, or an OCI
// registry (oci://host/path, or host/path without a scheme as Argo CD accepts for OCI).
// version is an exact version or a semver range ("" is the newest release), resolved as
// Helm resolves --version. An archive in the cache costs no network; a range costs an
// index.yaml or tag list, itself cached for Options.IndexTTL.
func (f *Fetcher) Chart(ctx context.Context, repoURL, name, version string) (*chart.Chart, error) {
	r, err := parseRepo(repoURL)
	if err != nil {
		return nil, err
	}
	data, err := f.archive(ctx, r, name, version)
	if err != nil {
		return nil, err
	}
	c, err := f.load(data)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s from %s: %w", chartVersion(name, version), r.shown, err)
	}
	return c, nil
}

func (f *Fetcher) archive(ctx context.Context, r repo, name, version string) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("repository %s: no chart name", r.shown)
	}
	if exactVersion(version) {
		if data, ok := f.cached(r, name, version); ok {
			return data, nil
		}
	}
	var resolved string
	var fetch func(context.Context) ([]byte, error)
	var err error
	if r.oci {
		resolved, fetch, err = f.resolveOCI(ctx, r, name, version)
	} else {
		resolved, fetch, err = f.resolveHelm(ctx, r, name, version)
	}
	if err != nil {
		return nil, err
	}
	key := f.archivePath(r, name, resolved)
	lock := f.lock(key)
	lock.Lock()
	defer lock.Unlock()
	if data, ok := f.cached(r, name, resolved); ok {
		return data, nil
	}
	if f.opts.Offline {
		return nil, &NotCachedError{Repository: r.shown, Chart: name, Version: version}
	}
	data, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkArchive(data, f.opts.MaxExpandedSize); err != nil {
		return nil, fmt.Errorf("chart %s %s from %s: %w", name, resolved, r.shown, err)
	}
	if err := f.store(key, data); err != nil {
		return nil, err
	}
	f.emit(Event{Kind: EventFetched, Repository: r.shown, Chart: name, Version: resolved, Bytes: int64(len(data)), Total: int64(len(data))})
	return data, nil
}

func (f *Fetcher) archivePath(r repo, name, version string) string {
	return filepath.Join(f.opts.CacheDir, repoDir(r), safeName(name)+"-"+safeName(version)+".tgz")
}

// cached returns an archive from memory or disk.
func (f *Fetcher) cached(r repo, name, version string) ([]byte, bool) {
	key := f.archivePath(r, name, version)
	f.mu.Lock()
	data, ok := f.mem[key]
	f.mu.Unlock()
	if !ok {
		var err error
		data, err = os.ReadFile(key)
		if err != nil {
			return nil, false
		}
		// A damaged cache entry is a miss: it is fetched again.
		if checkArchive(data, f.opts.MaxExpandedSize) != nil {
			return nil, false
		}
		f.remember(key, data)
	}
	f.emit(Event{Kind: EventCached, Repository: r.shown, Chart: name, Version: version, Bytes: int64(len(data)), Total: int64(len(data))})
	return data, true
}

func (f *Fetcher) remember(key string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.mem[key]; !ok && f.memSize+int64(len(data)) <= maxMemory {
		f.mem[key] = data
		f.memSize += int64(len(data))
	}
}

func (f *Fetcher) lock(key string) *sync.Mutex {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.locks[key]
	if !ok {
		l = &sync.Mutex{}
		f.locks[key] = l
	}
	return l
}

func (f *Fetcher) emit(e Event) {
	if f.opts.Progress != nil {
		f.opts.Progress(e)
	}
}

func (f *Fetcher) load(data []byte) (*chart.Chart, error) {
	return loader.LoadArchive(bytes.NewReader(data))
}

// callContext bounds one network call by Options.Timeout.
func (f *Fetcher) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.opts.Timeout)
}

// timeoutError makes a deadline from callContext say what it was.
func (f *Fetcher) timeoutError(ctx context.Context, what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("%s: no answer within %s: %w", what, f.opts.Timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s: %w", what, err)
}
