package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDist_binariesKnowTheReleaseImageDigestAfterMakeImage builds the linux/amd64 archive
// with the digest file `make image` writes, and runs the archive's binary: `backup
// schedule` without --image then pins the CronJobs to the release image by that digest. A
// digest file that holds no digest stops the build with exit 2.
func TestDist_binariesKnowTheReleaseImageDigestAfterMakeImage(t *testing.T) {
	requireTools(t)
	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	file := filepath.Join(t.TempDir(), "image.digest")
	require.NoError(t, os.WriteFile(file, []byte(digest+"\n"), 0o644))
	r, err := runDistEnv(t, []string{"IMAGE_DIGEST_FILE=" + file}, "linux/amd64")
	require.NoError(t, err)

	dir := t.TempDir()
	out, err := exec.Command("tar", "-xzf", r.archive("linux/amd64"), "-C", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(filepath.Join(dir, "kubectl-ck8sargo"), "backup", "schedule", "-n", "shop",
		"--to", "s3://backups?endpoint=https://s3.example.com",
		"--encrypt-to", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
	// Outside the repository, so that no profile file is found and the default registry applies.
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(t.TempDir(), "none"))
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "image: ghcr.io/ck8sargo/kubectl-ck8sargo:"+testVersion+"@"+digest+"\n")

	require.NoError(t, os.WriteFile(file, []byte("latest\n"), 0o644))
	_, err = runDistEnv(t, []string{"IMAGE_DIGEST_FILE=" + file}, "linux/amd64")
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	assert.ErrorContains(t, err, "does not hold a sha256 digest")
}
