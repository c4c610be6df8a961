package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// withReleaseStamp sets what tools/dist/dist.sh stamps into a release binary.
func withReleaseStamp(t *testing.T, v, digest string) {
	t.Helper()
	oldV, oldD := version, releaseImageDigest
	version, releaseImageDigest = v, digest
	t.Cleanup(func() { version, releaseImageDigest = oldV, oldD })
}

// TestBackupSchedule_defaultImageIsTheReleaseImagePinnedByDigestAndPassesAdmission runs
// `backup schedule` without --image in a release build that knows its image's digest,
// with a profile whose registry is the environment's mirror, and checks the CronJobs'
// image, then runs `policy check -o json` on the output: no finding, and so no admission
// verdict (non-root, requests, no latest, the environment's registry), at warning or above.
func TestBackupSchedule_defaultImageIsTheReleaseImagePinnedByDigestAndPassesAdmission(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	_, recipient := writeIdentity(t)
	p := argocdmanaged.DefaultProfile()
	p.Registries = []string{"harbor.example.com"}
	profile := profileFile(t, p)

	tests := []struct {
		name, version, digest, want string
	}{
		{"a release that knows its image", "v1.2.3", digest, "image: harbor.example.com/kubectl-ck8sargo:v1.2.3@" + digest + "\n"},
		{"a release built without make image", "v1.2.3", "", "image: harbor.example.com/kubectl-ck8sargo:v1.2.3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withReleaseStamp(t, tt.version, tt.digest)
			r := runBackupCmd(t, "", "backup", "schedule", "-n", "shop", "--profile", profile,
				"--to", "s3://backups?endpoint=https://s3.example.com", "--encrypt-to", recipient)
			require.Equal(t, 0, r.code, r.msg)
			assert.Equal(t, 2, strings.Count(r.stdout, tt.want), "both CronJobs run the release image:\n%s", r.stdout)

			file := filepath.Join(t.TempDir(), "schedule.yaml")
			require.NoError(t, os.WriteFile(file, []byte(r.stdout), 0o600))
			c := runBackupCmd(t, "", "policy", "check", "--profile", profile, "-o", "json", "--fail-on", "warning", file)
			assert.Equal(t, 0, c.code, "policy check:\n%s%s", c.stdout, c.msg)
			var rep struct {
				Findings []struct {
					Rule, Severity, Message string
				} `json:"findings"`
				Summary struct {
					Objects int `json:"objects"`
				} `json:"summary"`
			}
			require.NoError(t, json.Unmarshal([]byte(c.stdout), &rep), c.stdout)
			assert.Equal(t, 5, rep.Summary.Objects)
			for _, f := range rep.Findings {
				assert.Equal(t, "info", f.Severity, "%s: %s", f.Rule, f.Message)
			}
		})
	}

	t.Run("an image outside the environment's registries is refused by the check", func(t *testing.T) {
		withReleaseStamp(t, "v1.2.3", digest)
		r := runBackupCmd(t, "", "backup", "schedule", "-n", "shop", "--profile", profile, "--image", "docker.io/someone/kubectl-ck8sargo:v1.2.3",
			"--to", "s3://backups?endpoint=https://s3.example.com", "--encrypt-to", recipient)
		require.Equal(t, 0, r.code, r.msg)
		file := filepath.Join(t.TempDir(), "schedule.yaml")
		require.NoError(t, os.WriteFile(file, []byte(r.stdout), 0o600))
		c := runBackupCmd(t, "", "policy", "check", "--profile", profile, "--fail-on", "warning", file)
		assert.Equal(t, 1, c.code, "policy check:\n%s%s", c.stdout, c.msg)
		assert.Contains(t, c.stdout, "docker.io/someone/kubectl-ck8sargo")
	})

	t.Run("a development build has no release image and says to pass --image", func(t *testing.T) {
		withReleaseStamp(t, "", "")
		r := runBackupCmd(t, "", "backup", "schedule", "-n", "shop", "--profile", profile,
			"--to", "s3://backups?endpoint=https://s3.example.com", "--encrypt-to", recipient)
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.msg, "pass --image")
	})
}
