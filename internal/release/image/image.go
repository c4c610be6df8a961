// Package image builds the release's container image of kubectl-ck8sargo without Docker: a
// multi-platform OCI image index whose images hold the static binary, a CA bundle and a
// non-root user, built with go-containerregistry. The same binaries and options give the
// same bytes, and so the same digest.
package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// The image's fixed facts: where the binary and the CA bundle are, and the non-root user
// the platform's admission requires (the CronJob of `backup schedule` runs as this uid).
const (
	BinaryPath   = "/usr/local/bin/kubectl-ck8sargo"
	CABundlePath = "/etc/ssl/certs/ca-certificates.crt"
	UID          = 65532
	HomeDir      = "/home/nonroot"
)

// OCI annotation keys used as the config's labels and the index's annotations.
const (
	LabelVersion  = "org.opencontainers.image.version"
	LabelRevision = "org.opencontainers.image.revision"
	LabelSource   = "org.opencontainers.image.source"
	LabelCreated  = "org.opencontainers.image.created"
	LabelTitle    = "org.opencontainers.image.title"
	LabelLicenses = "org.opencontainers.image.licenses"
)

// Binary is the plugin built for one platform.
type Binary struct {
	// Platform is "linux/amd64" or "linux/arm64" (any linux/ARCH Go builds).
	Platform string
	// Path is the static binary (CGO_ENABLED=0).
	Path string
}

// Options describe an image index.
type Options struct {
	Binaries []Binary
	// Version, Revision and Source become the OCI labels; Version is required.
	Version, Revision, Source string
	// Created is the time stamped on the config and on every file (the commit's time, for
	// reproducibility); the zero time means the Unix epoch.
	Created time.Time
}

// Build assembles the image index: one image per binary, each a single layer.
func Build(opts Options) (v1.ImageIndex, error) {
	if len(opts.Binaries) == 0 {
		return nil, errors.New("no binaries given: build at least one linux binary")
	}
	if opts.Version == "" {
		return nil, errors.New("the image needs a version for its label")
	}
	created := opts.Created.UTC()
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	cas, err := caBundle()
	if err != nil {
		return nil, err
	}
	labels := map[string]string{
		LabelVersion:  opts.Version,
		LabelCreated:  created.Format(time.RFC3339),
		LabelTitle:    "kubectl-ck8sargo",
		LabelLicenses: "Apache-2.0",
	}
	if opts.Revision != "" {
		labels[LabelRevision] = opts.Revision
	}
	if opts.Source != "" {
		labels[LabelSource] = opts.Source
	}
	binaries := append([]Binary(nil), opts.Binaries...)
	sort.Slice(binaries, func(i, j int) bool { return binaries[i].Platform < binaries[j].Platform })
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	idx = mutate.Annotations(idx, labels).(v1.ImageIndex)
	seen := map[string]bool{}
	for _, b := range binaries {
		osName, arch, ok := strings.Cut(b.Platform, "/")
		if !ok || osName != "linux" || arch == "" || strings.Contains(arch, "/") {
			return nil, fmt.Errorf("invalid platform %q: use linux/ARCH, such as linux/amd64", b.Platform)
		}
		if seen[b.Platform] {
			return nil, fmt.Errorf("platform %s is given twice", b.Platform)
		}
		seen[b.Platform] = true
		img, err := platformImage(b, cas, created, labels)
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: osName, Architecture: arch}},
		})
	}
	return idx, nil
}

func platformImage(b Binary, cas []byte, created time.Time, labels map[string]string) (v1.Image, error) {
	bin, err := os.ReadFile(b.Path)
	if err != nil {
		return nil, fmt.Errorf("reading the %s binary: %w", b.Platform, err)
	}
	if !isStaticELF(bin) {
		return nil, fmt.Errorf("%s is not a static linux binary: build it with CGO_ENABLED=0 GOOS=linux", b.Path)
	}
	rootfs, err := rootFS(bin, cas, created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(rootfs)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.BestCompression))
	if err != nil {
		return nil, fmt.Errorf("making the %s layer: %w", b.Platform, err)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created: v1.Time{Time: created}, CreatedBy: "kubectl-ck8sargo release (internal/release/image)",
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	osName, arch, _ := strings.Cut(b.Platform, "/")
	cf.OS, cf.Architecture = osName, arch
	cf.Created = v1.Time{Time: created}
	cf.Author = "ck8sargo"
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", UID, UID),
		Entrypoint: []string{BinaryPath},
		Env: []string{
			"PATH=/usr/local/bin",
			"SSL_CERT_FILE=" + CABundlePath,
			"HOME=" + HomeDir,
		},
		WorkingDir: HomeDir,
		Labels:     labels,
	}
	return mutate.ConfigFile(img, cf)
}

// isStaticELF reports whether data is an ELF executable without a program interpreter,
// the mark of a dynamically linked one, which the image (no libc) could not run.
func isStaticELF(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x7fELF")) && !bytes.Contains(data[:min(len(data), 64<<10)], []byte("/lib64/ld-linux")) &&
		!bytes.Contains(data[:min(len(data), 64<<10)], []byte("/lib/ld-linux"))
}

// caBundle is the Mozilla root set that Go's x509roots/fallback carries, as PEM. Roots
// that carry a constraint (such as a distrust date) are left out: a PEM file cannot say it.
func caBundle() ([]byte, error) {
	var buf bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		if err := pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}); err != nil {
			return nil, err
		}
	}
	if buf.Len() == 0 {
		return nil, errors.New("the CA bundle is empty")
	}
	return buf.Bytes(), nil
}

type entry struct {
	name     string
	mode     int64
	typeflag byte
	uid      int
	data     []byte
}

// rootFS is the layer's uncompressed tar: fixed owners, times and order.
func rootFS(bin, cas []byte, created time.Time) ([]byte, error) {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:%s:/sbin/nologin\n", UID, UID, HomeDir)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", UID)
	entries := []entry{
		{name: "etc/", mode: 0o755, typeflag: tar.TypeDir},
		{name: "etc/group", mode: 0o644, typeflag: tar.TypeReg, data: []byte(group)},
		{name: "etc/passwd", mode: 0o644, typeflag: tar.TypeReg, data: []byte(passwd)},
		{name: "etc/ssl/", mode: 0o755, typeflag: tar.TypeDir},
		{name: "etc/ssl/certs/", mode: 0o755, typeflag: tar.TypeDir},
		{name: strings.TrimPrefix(CABundlePath, "/"), mode: 0o644, typeflag: tar.TypeReg, data: cas},
		{name: "home/", mode: 0o755, typeflag: tar.TypeDir},
		{name: strings.TrimPrefix(HomeDir, "/") + "/", mode: 0o700, typeflag: tar.TypeDir, uid: UID},
		{name: "tmp/", mode: 0o1777, typeflag: tar.TypeDir},
		{name: "usr/", mode: 0o755, typeflag: tar.TypeDir},
		{name: "usr/local/", mode: 0o755, typeflag: tar.TypeDir},
		{name: "usr/local/bin/", mode: 0o755, typeflag: tar.TypeDir},
		{name: strings.TrimPrefix(BinaryPath, "/"), mode: 0o755, typeflag: tar.TypeReg, data: bin},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Typeflag: e.typeflag, Name: e.name, Mode: e.mode, Size: int64(len(e.data)),
			Uid: e.uid, Gid: e.uid, ModTime: created, Format: tar.FormatPAX,
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteLayout writes idx as an OCI image layout in dir, which must not exist yet or be
// empty: a layout that already holds other images would gain this one beside them.
func WriteLayout(dir string, idx v1.ImageIndex) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: remove it, or write the layout to a new directory", dir)
	}
	if _, err := layout.Write(dir, idx); err != nil {
		return fmt.Errorf("writing the OCI layout to %s: %w", dir, err)
	}
	return nil
}

// WriteArchive packs the OCI layout in dir into a tar file at dest (an "oci-archive", as
// skopeo and podman read it), with fixed owners, times and order, written atomically.
func WriteArchive(dest, dir string, created time.Time) error {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the OCI layout %s: %w", dir, err)
	}
	sort.Strings(names)
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	tw := tar.NewWriter(tmp)
	for _, p := range names {
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: created.UTC(), Format: tar.FormatPAX}
		switch {
		case info.IsDir():
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, h.Name+"/", 0o755
		case info.Mode().IsRegular():
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, 0o644, info.Size()
		default:
			return fmt.Errorf("%s is neither a file nor a directory", p)
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if h.Typeflag == tar.TypeReg {
			if err := copyFile(tw, p); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dest)
}

func copyFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// Push writes idx to the registry at ref (a tag or repository), with the credentials of
// the Docker config (~/.docker/config.json, credential helpers), and returns the pushed
// reference pinned by digest.
func Push(ctx context.Context, ref string, idx v1.ImageIndex, opts ...remote.Option) (name.Digest, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return name.Digest{}, fmt.Errorf("invalid image reference %q: use REGISTRY/REPOSITORY:TAG", ref)
	}
	opts = append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}, opts...)
	if err := remote.WriteIndex(r, idx, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing %s: %w", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	return r.Context().Digest(d.String()), nil
}
