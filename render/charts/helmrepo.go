package charts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

// indexFile is the part of a Helm repository index.yaml that fetching uses.
type indexFile struct {
	APIVersion string                  `json:"apiVersion"`
	Entries    map[string][]indexEntry `json:"entries"`
}

type indexEntry struct {
	Version string   `json:"version"`
	URLs    []string `json:"urls"`
	Digest  string   `json:"digest"`
}

// cachedIndex is an index (or OCI tag list) in memory.
type cachedIndex struct {
	index   *indexFile // Helm repositories
	tags    []string   // OCI, with "_" turned back into "+"
	fetched time.Time
}

// indexMeta is stored next to a cached index.yaml, for revalidation and the TTL.
type indexMeta struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"lastModified,omitempty"`
	Fetched      time.Time `json:"fetched"`
}

func (f *Fetcher) resolveHelm(ctx context.Context, r repo, name, version string) (string, func(context.Context) ([]byte, error), error) {
	idx, err := f.helmIndex(ctx, r, name, version)
	if err != nil {
		return "", nil, err
	}
	entries, ok := idx.Entries[name]
	if !ok || len(entries) == 0 {
		return "", nil, &NotFoundError{Repository: r.shown, Chart: name, Version: version, Reason: "no chart of that name in the index"}
	}
	versions := make([]string, len(entries))
	for i, e := range entries {
		versions[i] = e.Version
	}
	resolved, err := resolveVersion(versions, version)
	if errors.Is(err, errNoMatch) {
		return "", nil, &NotFoundError{Repository: r.shown, Chart: name, Version: version, Reason: fmt.Sprintf("no version matches among %d", len(versions))}
	}
	if err != nil {
		return "", nil, fmt.Errorf("chart %s from %s: %w", name, r.shown, err)
	}
	var entry indexEntry
	for _, e := range entries {
		if e.Version == resolved {
			entry = e
			break
		}
	}
	fetch := func(ctx context.Context) ([]byte, error) {
		return f.downloadHelm(ctx, r, name, entry)
	}
	return resolved, fetch, nil
}

// helmIndex returns the index of r: from memory or disk within the TTL, else revalidated or
// fetched; offline, from disk at any age.
func (f *Fetcher) helmIndex(ctx context.Context, r repo, name, version string) (*indexFile, error) {
	lock := f.lock("index " + r.key)
	lock.Lock()
	defer lock.Unlock()
	f.mu.Lock()
	mem := f.indexes[r.key]
	f.mu.Unlock()
	if mem != nil && (f.opts.Offline || time.Since(mem.fetched) < f.opts.IndexTTL) {
		return mem.index, nil
	}
	dir := filepath.Join(f.opts.CacheDir, repoDir(r))
	dataPath, metaPath := filepath.Join(dir, "index.yaml"), filepath.Join(dir, "index.json")
	var meta indexMeta
	raw, readErr := os.ReadFile(dataPath)
	if readErr == nil {
		if b, err := os.ReadFile(metaPath); err == nil {
			_ = json.Unmarshal(b, &meta)
		}
	}
	useDisk := func() (*indexFile, error) {
		idx, err := parseIndex(raw)
		if err != nil {
			return nil, fmt.Errorf("cached index of %s: %w", r.shown, err)
		}
		f.setIndex(r.key, &cachedIndex{index: idx, fetched: meta.Fetched})
		return idx, nil
	}
	if readErr == nil && (f.opts.Offline || time.Since(meta.Fetched) < f.opts.IndexTTL) {
		return useDisk()
	}
	if f.opts.Offline {
		return nil, &NotCachedError{Repository: r.shown, Chart: name, Version: version}
	}

	indexURL, err := resolveReference(r.ref, "index.yaml")
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", r.shown, err)
	}
	f.emit(Event{Kind: EventIndex, Repository: r.shown, Chart: name})
	what := "fetching the index of " + r.shown
	cctx, cancel := f.callContext(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, indexURL, http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	f.authorize(req, r.key)
	if readErr == nil {
		if meta.ETag != "" {
			req.Header.Set("If-None-Match", meta.ETag)
		}
		if meta.LastModified != "" {
			req.Header.Set("If-Modified-Since", meta.LastModified)
		}
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, f.timeoutError(ctx, what, scrubURLError(err))
	}
	defer resp.Body.Close()
	now := time.Now()
	if resp.StatusCode == http.StatusNotModified && readErr == nil {
		meta.Fetched = now
		f.writeMeta(metaPath, meta)
		return useDisk()
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", what, statusText(resp))
	}
	raw, err = io.ReadAll(io.LimitReader(resp.Body, DefaultMaxIndexSize+1))
	if err != nil {
		return nil, f.timeoutError(ctx, what, scrubURLError(err))
	}
	if len(raw) > DefaultMaxIndexSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", what, DefaultMaxIndexSize)
	}
	idx, err := parseIndex(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	meta = indexMeta{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Fetched: now}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		if err := atomicfile.Write(dataPath, raw, 0o644); err == nil {
			f.writeMeta(metaPath, meta)
		}
	}
	f.setIndex(r.key, &cachedIndex{index: idx, fetched: now})
	return idx, nil
}

func (f *Fetcher) setIndex(key string, c *cachedIndex) {
	f.mu.Lock()
	f.indexes[key] = c
	f.mu.Unlock()
}

// writeMeta records index metadata; a failure only costs a later refetch.
func (f *Fetcher) writeMeta(path string, m indexMeta) {
	if b, err := json.Marshal(m); err == nil {
		_ = atomicfile.Write(path, b, 0o644)
	}
}

func parseIndex(raw []byte) (*indexFile, error) {
	var idx indexFile
	if err := yaml.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("not a Helm repository index: %w", err)
	}
	if idx.APIVersion == "" {
		return nil, errors.New("not a Helm repository index: no apiVersion")
	}
	return &idx, nil
}

func (f *Fetcher) downloadHelm(ctx context.Context, r repo, name string, e indexEntry) ([]byte, error) {
	what := fmt.Sprintf("downloading chart %s %s from %s", name, e.Version, r.shown)
	if len(e.URLs) == 0 {
		return nil, fmt.Errorf("%s: the index gives no URL", what)
	}
	archiveURL, err := resolveReference(r.ref, e.URLs[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	cctx, cancel := f.callContext(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, archiveURL, http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	// The repository's credentials go only to its own host, as Helm does without
	// --pass-credentials; an archive elsewhere gets the credentials that match its URL.
	if u, err := url.Parse(archiveURL); err == nil {
		base, _ := url.Parse(r.ref)
		if base != nil && strings.EqualFold(u.Host, base.Host) {
			f.authorize(req, r.key)
		} else if ar, err := parseRepo(archiveURL); err == nil {
			f.authorize(req, ar.key)
		}
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, f.timeoutError(ctx, what, scrubURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", what, statusText(resp))
	}
	data, err := f.readArchive(ctx, resp.Body, resp.ContentLength, Event{Repository: r.shown, Chart: name, Version: e.Version}, what)
	if err != nil {
		return nil, err
	}
	if e.Digest != "" {
		want := strings.TrimPrefix(strings.ToLower(e.Digest), "sha256:")
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			return nil, fmt.Errorf("%s: %w: the index says sha256:%s, the archive is sha256:%s", what, ErrDigestMismatch, want, got)
		}
	}
	return data, nil
}

// readArchive reads an archive body within MaxArchiveSize, reporting progress.
func (f *Fetcher) readArchive(ctx context.Context, body io.Reader, size int64, ev Event, what string) ([]byte, error) {
	limit := f.opts.MaxArchiveSize
	if size > limit {
		return nil, fmt.Errorf("%s: %w: %d bytes, more than the limit of %d", what, ErrUnsafeArchive, size, limit)
	}
	ev.Kind, ev.Total = EventDownload, max(size, 0)
	pr := &progressReader{r: io.LimitReader(body, limit+1), f: f, ev: ev}
	data, err := io.ReadAll(pr)
	if err != nil {
		return nil, f.timeoutError(ctx, what, scrubURLError(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than the limit of %d bytes", what, ErrUnsafeArchive, limit)
	}
	return data, nil
}

type progressReader struct {
	r    io.Reader
	f    *Fetcher
	ev   Event
	next int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.ev.Bytes += int64(n)
	if p.f.opts.Progress != nil && p.ev.Bytes >= p.next {
		p.f.emit(p.ev)
		p.next = p.ev.Bytes + 256<<10
	}
	return n, err
}

// authorize adds the basic auth of the credential matching key, if any.
func (f *Fetcher) authorize(req *http.Request, key string) {
	if c, ok := matchCredential(f.opts.Credentials, key); ok {
		req.SetBasicAuth(c.Username, c.Password)
	}
}

func statusText(resp *http.Response) string {
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return resp.Status + " (check the repository credentials)"
	default:
		return resp.Status
	}
}

// scrubURLError drops the URL of a *url.Error (the caller names the repository), so that
// no credential placed in a URL reaches a message.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
