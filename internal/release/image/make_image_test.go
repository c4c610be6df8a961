package image

import (
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	makeVersion = "v9.8.7-imagetest"
	makeCommit  = "abc1234"
	makeEpoch   = 1700000000
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, "tools", "image", "main.go"))
	return dir
}

// runTool runs `go run ./tools/image` (what `make image` runs) on the committed HEAD, so
// that both runs build the same sources whatever else changes in the work tree.
func runTool(t *testing.T, root, head, out string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"run", "./tools/image", "--out", out, "--from-commit", head}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "VERSION="+makeVersion, "COMMIT="+makeCommit, "SOURCE_DATE_EPOCH=1700000000")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "tools/image: %s", stderr.String())
	return strings.TrimSpace(stdout.String())
}

// TestMakeImage_twoBuildsOfACommitGiveOneDigestThatPushesPullsAndRuns runs the image tool
// twice on HEAD (the second time with --push to an in-process registry), compares the
// digests and the tarballs, pulls the index back, checks its config and layer, and runs
// `version` from the binary extracted from the layer.
//
// It builds this machine's platform only: a second architecture compiles every dependency
// again (about five minutes on a fresh 2-core CI machine) and adds nothing the index
// assembly test with two platforms (TestBuild_givesOneNonRootImagePerPlatform...) does not
// already check.
func TestMakeImage_twoBuildsOfACommitGiveOneDigestThatPushesPullsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin twice; run without -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("runs the linux binary from the image")
	}
	root := moduleRoot(t)
	headOut, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	require.NoError(t, err)
	head := strings.TrimSpace(string(headOut))

	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	ref := strings.TrimPrefix(reg.URL, "http://") + "/tools/kubectl-ck8sargo:" + makeVersion

	first, second := t.TempDir(), t.TempDir()
	platform := "linux/" + runtime.GOARCH
	d1 := runTool(t, root, head, first, "--platforms", platform)
	d2 := runTool(t, root, head, second, "--platforms", platform, "--push", ref)
	require.True(t, strings.HasPrefix(d1, "sha256:"), d1)
	assert.Equal(t, d1, d2, "two builds of one commit give one digest")

	tarName := "kubectl-ck8sargo_" + makeVersion + "_image.tar"
	a, err := os.ReadFile(filepath.Join(first, tarName))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(second, tarName))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a, b), "the two tarballs differ")
	digestFile, err := os.ReadFile(filepath.Join(first, "kubectl-ck8sargo_"+makeVersion+"_image.digest"))
	require.NoError(t, err)
	assert.Equal(t, d1+"\n", string(digestFile))

	lp, err := layout.FromPath(filepath.Join(first, "image"))
	require.NoError(t, err)
	local, err := lp.ImageIndex()
	require.NoError(t, err)
	ld, err := local.Digest()
	require.NoError(t, err)
	assert.Equal(t, d1, ld.String(), "the layout's index.json is the image index")
	checkIndex(t, local, makeVersion, makeCommit, time.Unix(makeEpoch, 0))

	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	pulled, err := remote.Index(r, remote.WithContext(t.Context()))
	require.NoError(t, err)
	pd, err := pulled.Digest()
	require.NoError(t, err)
	assert.Equal(t, d1, pd.String(), "the registry serves the digest the build printed")

	images := checkIndex(t, pulled, makeVersion, makeCommit, time.Unix(makeEpoch, 0))
	assert.Len(t, images, 1)
	img, ok := images[platform]
	require.True(t, ok, "the index has an image for %s", platform)
	bin := filepath.Join(t.TempDir(), "kubectl-ck8sargo")
	require.NoError(t, os.WriteFile(bin, layerFiles(t, img)["usr/local/bin/kubectl-ck8sargo"].Data, 0o755))
	out, err := exec.Command(bin, "version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "kubectl-ck8sargo "+makeVersion+" (commit "+makeCommit+", "+runtime.Version()+", linux/"+runtime.GOARCH+")\n", string(out))
}

func TestMakeImage_badInputIsOneLineAndExitCode2(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the image tool")
	}
	root := moduleRoot(t)
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"an argument", []string{"extra"}, nil, `unexpected argument "extra"`},
		{"a bad epoch", nil, []string{"SOURCE_DATE_EPOCH=yesterday"}, `invalid SOURCE_DATE_EPOCH "yesterday"`},
		{"an unknown commit", []string{"--from-commit", "no-such-commit"}, nil, `cannot export commit "no-such-commit"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("go", append([]string{"run", "./tools/image", "--out", t.TempDir()}, tt.args...)...)
			cmd.Dir = root
			cmd.Env = append(append(os.Environ(), "VERSION=v1.0.0", "COMMIT=abc"), tt.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			// go run reports the program's exit status as its own ("exit status 2").
			assert.Contains(t, stderr.String(), tt.want)
			assert.Contains(t, stderr.String(), "exit status 2")
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(strings.Split(stderr.String(), "\nexit status")[0]), "\n")+1, stderr.String())
		})
	}
}
