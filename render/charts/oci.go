package charts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

// Media types of a Helm chart in an OCI registry (helm.sh/helm/v3/pkg/registry).
const (
	helmConfigMediaType       = "application/vnd.cncf.helm.config.v1+json"
	helmChartLayerMediaType   = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	legacyChartLayerMediaType = "application/tar+gzip"
)

// ociRepository is the registry repository of chart name under r: host/path/name. The first
// path element is always the registry host, as Helm and oras read it (go-containerregistry
// would otherwise take a dot-less host for a Docker Hub path).
func ociRepository(r repo, chartName string) (name.Repository, error) {
	host, path, _ := strings.Cut(r.ref, "/")
	reg, err := name.NewRegistry(host)
	if err != nil {
		return name.Repository{}, fmt.Errorf("repository %s: %w", r.shown, err)
	}
	p := chartName
	if path != "" {
		p = path + "/" + chartName
	}
	if _, err := name.NewRepository(host + "/" + p); err != nil {
		return name.Repository{}, fmt.Errorf("repository %s, chart %s: %w", r.shown, chartName, err)
	}
	return reg.Repo(p), nil
}

func (f *Fetcher) ociOptions(ctx context.Context, r repo, chartName string) []remote.Option {
	t := f.http.Transport
	if t == nil {
		t = http.DefaultTransport
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithTransport(t), remote.WithUserAgent("ck8sargo")}
	if c, ok := matchCredential(f.opts.Credentials, r.key+"/"+chartName); ok {
		opts = append(opts, remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: c.Username, Password: c.Password})))
	} else {
		opts = append(opts, remote.WithAuth(authn.Anonymous))
	}
	return opts
}

func (f *Fetcher) resolveOCI(ctx context.Context, r repo, chartName, version string) (string, func(context.Context) ([]byte, error), error) {
	rep, err := ociRepository(r, chartName)
	if err != nil {
		return "", nil, err
	}
	resolved := version
	if !exactVersion(version) {
		tags, err := f.ociTags(ctx, r, rep, chartName, version)
		if err != nil {
			return "", nil, err
		}
		resolved, err = resolveVersion(tags, version)
		if errors.Is(err, errNoMatch) {
			return "", nil, &NotFoundError{Repository: r.shown, Chart: chartName, Version: version, Reason: fmt.Sprintf("no tag matches among %d", len(tags))}
		}
		if err != nil {
			return "", nil, fmt.Errorf("chart %s from %s: %w", chartName, r.shown, err)
		}
	}
	fetch := func(ctx context.Context) ([]byte, error) {
		return f.downloadOCI(ctx, r, rep, chartName, version, resolved)
	}
	return resolved, fetch, nil
}

// ociTags lists the tags of a chart repository, "_" turned back into "+" as Helm does,
// cached like an index.
func (f *Fetcher) ociTags(ctx context.Context, r repo, rep name.Repository, chartName, version string) ([]string, error) {
	key := r.key + "/" + chartName
	lock := f.lock("tags " + key)
	lock.Lock()
	defer lock.Unlock()
	f.mu.Lock()
	mem := f.indexes[key]
	f.mu.Unlock()
	if mem != nil && (f.opts.Offline || time.Since(mem.fetched) < f.opts.IndexTTL) {
		return mem.tags, nil
	}
	file := filepath.Join(f.opts.CacheDir, repoDir(r), safeName(chartName)+".tags.json")
	var disk struct {
		Tags    []string  `json:"tags"`
		Fetched time.Time `json:"fetched"`
	}
	if b, err := os.ReadFile(file); err == nil && json.Unmarshal(b, &disk) == nil {
		if f.opts.Offline || time.Since(disk.Fetched) < f.opts.IndexTTL {
			f.setIndex(key, &cachedIndex{tags: disk.Tags, fetched: disk.Fetched})
			return disk.Tags, nil
		}
	}
	if f.opts.Offline {
		return nil, &NotCachedError{Repository: r.shown, Chart: chartName, Version: version}
	}
	f.emit(Event{Kind: EventIndex, Repository: r.shown, Chart: chartName})
	what := fmt.Sprintf("listing the tags of %s in %s", chartName, r.shown)
	cctx, cancel := f.callContext(ctx)
	defer cancel()
	raw, err := remote.List(rep, f.ociOptions(cctx, r, chartName)...)
	if err != nil {
		if isNotFound(err) {
			return nil, &NotFoundError{Repository: r.shown, Chart: chartName, Version: version, Reason: "no such repository in the registry"}
		}
		return nil, f.timeoutError(ctx, what, ociError(err))
	}
	tags := make([]string, len(raw))
	for i, t := range raw {
		tags[i] = strings.ReplaceAll(t, "_", "+")
	}
	disk.Tags, disk.Fetched = tags, time.Now()
	if b, err := json.Marshal(disk); err == nil && os.MkdirAll(filepath.Dir(file), 0o755) == nil {
		_ = atomicfile.Write(file, b, 0o644)
	}
	f.setIndex(key, &cachedIndex{tags: tags, fetched: disk.Fetched})
	return tags, nil
}

func (f *Fetcher) downloadOCI(ctx context.Context, r repo, rep name.Repository, chartName, asked, version string) ([]byte, error) {
	what := fmt.Sprintf("pulling chart %s %s from %s", chartName, version, r.shown)
	ref := rep.Tag(strings.ReplaceAll(version, "+", "_"))
	cctx, cancel := f.callContext(ctx)
	defer cancel()
	desc, err := remote.Get(ref, f.ociOptions(cctx, r, chartName)...)
	if err != nil {
		if isNotFound(err) {
			return nil, &NotFoundError{Repository: r.shown, Chart: chartName, Version: asked, Reason: "no such tag"}
		}
		return nil, f.timeoutError(ctx, what, ociError(err))
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the manifest: %w", what, err)
	}
	if m.Config.MediaType != helmConfigMediaType {
		return nil, fmt.Errorf("%s: not a Helm chart (config media type %q)", what, m.Config.MediaType)
	}
	var layer *v1.Descriptor
	for i := range m.Layers {
		if mt := m.Layers[i].MediaType; mt == helmChartLayerMediaType || mt == legacyChartLayerMediaType {
			layer = &m.Layers[i]
			break
		}
	}
	if layer == nil {
		return nil, fmt.Errorf("%s: the manifest has no chart layer", what)
	}
	if layer.Size > f.opts.MaxArchiveSize {
		return nil, fmt.Errorf("%s: %w: %d bytes, more than the limit of %d", what, ErrUnsafeArchive, layer.Size, f.opts.MaxArchiveSize)
	}
	lctx, lcancel := f.callContext(ctx)
	defer lcancel()
	l, err := remote.Layer(rep.Digest(layer.Digest.String()), f.ociOptions(lctx, r, chartName)...)
	if err != nil {
		return nil, f.timeoutError(ctx, what, ociError(err))
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, f.timeoutError(ctx, what, ociError(err))
	}
	defer rc.Close()
	data, err := f.readArchive(ctx, rc, layer.Size, Event{Repository: r.shown, Chart: chartName, Version: version}, what)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != layer.Digest.String() {
		return nil, fmt.Errorf("%s: %w: the manifest says %s, the layer is %s", what, ErrDigestMismatch, layer.Digest, got)
	}
	return data, nil
}

func isNotFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		switch d.Code {
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
			return true
		}
	}
	return false
}

// ociError keeps a registry error short: the status and the registry's codes, not the
// request it answered.
func ociError(err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		msg := http.StatusText(te.StatusCode)
		if te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden {
			msg += " (check the registry credentials)"
		}
		var codes []string
		for _, d := range te.Errors {
			codes = append(codes, string(d.Code))
		}
		if len(codes) > 0 {
			msg += ": " + strings.Join(codes, ", ")
		}
		return fmt.Errorf("registry answered %d %s", te.StatusCode, msg)
	}
	return scrubURLError(err)
}
