package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The decryption note says to pass --identity: policy check takes it, as secrets decrypt
// does, and renders the chart with the values of the encrypted file.
func TestPolicyCheckDecryptsWithTheIdentityGiven(t *testing.T) {
	repo := newSopsRepo(t)
	t.Chdir(repo.dir)
	r := runSopsCmd(t, "secrets", "encrypt", "--in-place", repo.values)
	require.Equal(t, 0, r.code, r.all())
	files := map[string]string{
		"chart/Chart.yaml":          "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
		"chart/templates/file.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shop}\ndata: {ok: \"yes\"}\n",
		"app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop, namespace: argocd-system}\n" +
			"spec:\n  project: shop\n  source:\n    repoURL: https://git.example.com/team/deploy.git\n    path: chart\n" +
			"    helm: {valueFiles: [secrets://secrets.yaml]}\n  destination: {server: https://kubernetes.default.svc, namespace: shop}\n",
	}
	for name, text := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(repo.dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(repo.dir, name), []byte(text), 0o644))
	}
	args := []string{"policy", "check", "--offline", "--repo-url", "https://git.example.com/team/deploy.git", "--fail-on", "never", "-o", "json", "app.yaml"}

	r = runSopsCmd(t, args...)
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stdout, "was not decrypted", "without a key the file is left out")
	assert.Contains(t, r.stdout, "so that the chart renders with its values (pass it with `--identity FILE`).\"", "the remediation names the flag")

	r = runSopsCmd(t, append(args, "--identity", repo.keyFile)...)
	require.Equal(t, 0, r.code, r.all())
	assert.NotContains(t, r.stdout, "was not decrypted")
	assert.NotContains(t, r.all(), sopsPlantedPassword)

	r = runSopsCmd(t, append(args, "--identity", filepath.Join(repo.dir, "missing.txt"))...)
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.msg, "--identity")
	r = runSopsCmd(t, append(args, "--identity", repo.keyFile, "--no-decrypt")...)
	assert.Equal(t, ExitError, r.code)
}

// Fails before the fix: an age recipient given as --identity was "no such file" (the key
// itself) or "not a key" (keygen's recipient file), not what to pass instead.
func TestPolicyCheckRefusesAnAgeRecipientAsIdentity(t *testing.T) {
	repo := newSopsRepo(t)
	recipientFile := filepath.Join(t.TempDir(), "recipient.txt")
	require.NoError(t, os.WriteFile(recipientFile, []byte(repo.recipient+"\n"), 0o644))
	for name, identity := range map[string]string{"the recipient": repo.recipient, "a recipient file": recipientFile} {
		t.Run(name, func(t *testing.T) {
			r := runSopsCmd(t, "policy", "check", "--offline", "--identity", identity, repo.dir)
			assert.Equal(t, ExitError, r.code, r.all())
			assert.Equal(t, "--identity "+identity+": an age public key (recipient) cannot decrypt: pass the age identity (the file with its AGE-SECRET-KEY-... line) rather than the public recipient", r.msg)
			assert.Empty(t, r.stdout, "refused before anything is checked")
		})
	}
}
