package image

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helloBinaries builds a tiny static Go program for each platform: enough for the image
// assembly tests, which do not need the plugin itself.
func helloBinaries(t *testing.T, platforms ...string) []Binary {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hello\") }\n"), 0o644))
	var out []Binary
	for _, p := range platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		bin := filepath.Join(dir, goos+"-"+goarch)
		cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=", "GOWORK=off")
		out2, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out2)
		out = append(out, Binary{Platform: p, Path: bin})
	}
	return out
}

// layerFiles reads the files of an image's single layer by name.
func layerFiles(t *testing.T, img v1.Image) map[string]*tarFile {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)
	mt, err := layers[0].MediaType()
	require.NoError(t, err)
	assert.Equal(t, types.OCILayer, mt)
	rc, err := layers[0].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	files := map[string]*tarFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[h.Name] = &tarFile{Header: h, Data: data}
	}
}

type tarFile struct {
	*tar.Header
	Data []byte
}

// checkIndex checks what every release image must be: one image per platform, OCI media
// types, the non-root user, the entrypoint, the labels, and the files of the layer.
func checkIndex(t *testing.T, idx v1.ImageIndex, version, revision string, created time.Time) map[string]v1.Image {
	t.Helper()
	mt, err := idx.MediaType()
	require.NoError(t, err)
	assert.Equal(t, types.OCIImageIndex, mt)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	assert.Equal(t, version, im.Annotations[LabelVersion])
	images := map[string]v1.Image{}
	for _, d := range im.Manifests {
		require.NotNil(t, d.Platform)
		assert.Equal(t, types.OCIManifestSchema1, d.MediaType)
		img, err := idx.Image(d.Digest)
		require.NoError(t, err)
		images[d.Platform.OS+"/"+d.Platform.Architecture] = img

		cf, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, d.Platform.OS, cf.OS)
		assert.Equal(t, d.Platform.Architecture, cf.Architecture)
		assert.Equal(t, "65532:65532", cf.Config.User)
		assert.Equal(t, []string{"/usr/local/bin/kubectl-ck8sargo"}, cf.Config.Entrypoint)
		assert.Contains(t, cf.Config.Env, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")
		assert.Equal(t, version, cf.Config.Labels[LabelVersion])
		assert.Equal(t, revision, cf.Config.Labels[LabelRevision])
		assert.Equal(t, "https://github.com/ck8sargo/ck8sargo", cf.Config.Labels[LabelSource])
		assert.Equal(t, created.UTC(), cf.Created.UTC())

		files := layerFiles(t, img)
		bin := files["usr/local/bin/kubectl-ck8sargo"]
		require.NotNil(t, bin, "the layer holds the binary")
		assert.Equal(t, int64(0o755), bin.Mode)
		assert.Contains(t, string(files["etc/passwd"].Data), "nonroot:x:65532:65532:")
		assert.Equal(t, 65532, files["home/nonroot/"].Uid)
		assert.Equal(t, int64(0o1777), files["tmp/"].Mode)
		for name, f := range files {
			assert.Equal(t, created.Unix(), f.ModTime.Unix(), name)
		}
		pool := x509.NewCertPool()
		rest, n := files["etc/ssl/certs/ca-certificates.crt"].Data, 0
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			c, err := x509.ParseCertificate(b.Bytes)
			require.NoError(t, err)
			pool.AddCert(c)
			n++
		}
		assert.Greater(t, n, 100, "the CA bundle holds the Mozilla roots")
	}
	return images
}

func TestBuild_givesOneNonRootImagePerPlatformWithLabelsAndTheSameDigestTwice(t *testing.T) {
	bins := helloBinaries(t, "linux/amd64", "linux/arm64")
	created := time.Unix(1700000000, 0)
	opts := Options{Binaries: bins, Version: "v1.2.3", Revision: "abc1234", Source: "https://github.com/ck8sargo/ck8sargo", Created: created}
	idx, err := Build(opts)
	require.NoError(t, err)
	images := checkIndex(t, idx, "v1.2.3", "abc1234", created)
	assert.Len(t, images, 2)
	assert.Contains(t, images, "linux/amd64")
	assert.Contains(t, images, "linux/arm64")

	// The binaries in another order and a second assembly: the same index.
	opts.Binaries = []Binary{bins[1], bins[0]}
	again, err := Build(opts)
	require.NoError(t, err)
	d1, err := idx.Digest()
	require.NoError(t, err)
	d2, err := again.Digest()
	require.NoError(t, err)
	assert.Equal(t, d1, d2)

	// The layout and its tarball are the same bytes too.
	out := t.TempDir()
	for _, name := range []string{"a", "b"} {
		require.NoError(t, WriteLayout(filepath.Join(out, name), idx))
		require.NoError(t, WriteArchive(filepath.Join(out, name+".tar"), filepath.Join(out, name), created))
	}
	a, err := os.ReadFile(filepath.Join(out, "a.tar"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(out, "b.tar"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a, b), "two archives of one index differ")
	assert.ErrorContains(t, WriteLayout(filepath.Join(out, "a"), idx), "is not empty")
}

func TestBuild_refusesWhatTheImageCannotRun(t *testing.T) {
	bins := helloBinaries(t, "linux/amd64")
	text := filepath.Join(t.TempDir(), "script")
	require.NoError(t, os.WriteFile(text, []byte("#!/bin/sh\n"), 0o755))
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no binaries", Options{Version: "v1"}, "no binaries given"},
		{"no version", Options{Binaries: bins}, "needs a version"},
		{"a darwin platform", Options{Version: "v1", Binaries: []Binary{{Platform: "darwin/arm64", Path: bins[0].Path}}}, `invalid platform "darwin/arm64"`},
		{"one platform twice", Options{Version: "v1", Binaries: []Binary{bins[0], bins[0]}}, "given twice"},
		{"not an ELF binary", Options{Version: "v1", Binaries: []Binary{{Platform: "linux/amd64", Path: text}}}, "is not a static linux binary"},
		{"a missing binary", Options{Version: "v1", Binaries: []Binary{{Platform: "linux/amd64", Path: text + ".missing"}}}, "reading the linux/amd64 binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.opts)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestCompile_refusesNonLinuxPlatforms(t *testing.T) {
	_, err := Compile(t.Context(), CompileOptions{ModuleDir: t.TempDir(), OutDir: t.TempDir(), Platforms: []string{"windows/amd64"}, Version: "v1", Commit: "c"})
	assert.ErrorContains(t, err, `invalid platform "windows/amd64"`)
	if runtime.GOOS == "linux" {
		_, err = Compile(t.Context(), CompileOptions{ModuleDir: t.TempDir(), OutDir: t.TempDir(), Platforms: []string{"linux/amd64"}, Version: "v1", Commit: "c"})
		assert.ErrorContains(t, err, "building the linux/amd64 binary")
	}
}
