package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// scanFakeToken has the shape of a GitHub token; no one ever issued it.
const scanFakeToken = "ghp_ck8sargoFAKE1a2b3c4d5e6f7g8h9i0jKLMN"

func scanRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	fixture.WriteFiles(t, dir, files)
	t.Chdir(dir)
	return dir
}

func TestSecretsScan_findsCredentialsAndHonoursTheAllowlistOfTheProfile(t *testing.T) {
	scanRepo(t, map[string]string{
		"deploy/app.env":                    "LOG_LEVEL=info\nGITHUB_TOKEN=" + scanFakeToken + "\n",
		"docs/ci.md":                        "    export GITHUB_TOKEN=" + scanFakeToken + "\n",
		"scripts/test.sh":                   "# ck8sargo:allow: a revoked token the tests replay\nexport GITHUB_TOKEN=" + scanFakeToken + "\n",
		"charts/shop/templates/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\nstringData:\n  password: in-a-template\n",
	})
	r := runSopsCmd(t, "secrets", "scan")
	assert.Equal(t, ExitFindings, r.code, r.all())
	assert.Contains(t, r.stdout, "deploy/app.env:2: credential (github-pat): ")
	assert.Contains(t, r.stdout, "docs/ci.md:1: credential (github-pat): ")
	assert.Contains(t, r.stdout, "charts/shop/templates/secret.yaml:5: plaintext-secret: ")
	assert.NotContains(t, r.stdout, "scripts/test.sh", "the marker on the line above lets it pass")
	assert.Contains(t, r.stderr, "3 problem(s)")
	assert.Contains(t, r.stderr, "(1 let pass by ck8sargo:allow")
	assert.NotContains(t, r.all(), scanFakeToken)
	assert.NotContains(t, r.all(), "in-a-template")

	require.NoError(t, os.WriteFile(".ck8sargo.yaml", []byte(`apiVersion: ck8sargo.io/v1alpha1
kind: Profile
secrets:
  scan:
    allow:
      - paths: ["docs/**"]
        reason: examples
    ignore:
      - deploy/app.env:github-pat:2
`), 0o644))
	r = runSopsCmd(t, "secrets", "scan", "-o", "json")
	assert.Equal(t, ExitFindings, r.code, r.all())
	var res struct {
		Findings []map[string]any `json:"findings"`
		Allowed  int              `json:"allowed"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	require.Len(t, res.Findings, 1)
	assert.Equal(t, "charts/shop/templates/secret.yaml", res.Findings[0]["file"])
	assert.Equal(t, "charts/shop/templates/secret.yaml:plaintext-secret:5", res.Findings[0]["fingerprint"])
	assert.Equal(t, 3, res.Allowed)
}

func TestSecretsScan_aBadAllowlistIsExit2(t *testing.T) {
	scanRepo(t, map[string]string{
		".ck8sargo.yaml": "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nsecrets:\n  scan:\n    allow:\n      - reason: everything\n",
		"a.env":          "A=1\n",
	})
	r := runSopsCmd(t, "secrets", "scan")
	assert.Equal(t, ExitError, r.code, r.all())
	assert.Contains(t, r.msg, "allow[0]: neither paths nor rules")
	assert.Empty(t, r.stdout)
}
