package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretsKeygen_insideAGitWorkTreeWarnsAndExcludesThePrivateKey(t *testing.T) {
	isolateSopsEnv(t)
	repo := t.TempDir()
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := git("init", "-q")
	require.NoError(t, err, out)

	r := runSopsCmd(t, "secrets", "keygen", "--type", "age", "--out", filepath.Join(repo, "keys"))
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stderr, "warning: the private key "+filepath.Join(repo, "keys", "key.txt")+" is inside the git work tree "+repo)
	exclude, err := os.ReadFile(filepath.Join(repo, ".git", "info", "exclude"))
	require.NoError(t, err)
	assert.Contains(t, string(exclude), "\n/keys/key.txt\n")

	out, err = git("check-ignore", "keys/key.txt")
	require.NoError(t, err, "git itself ignores the private key: %s", out)
	out, err = git("status", "--porcelain", "--untracked-files=all")
	require.NoError(t, err)
	assert.Contains(t, out, "keys/recipient.txt", "the public part may be committed")
	assert.NotContains(t, out, "key.txt\n")

	r = runSopsCmd(t, "secrets", "keygen", "--type", "age", "--out", filepath.Join(repo, "keys"), "--force")
	require.Equal(t, 0, r.code, r.all())
	exclude2, err := os.ReadFile(filepath.Join(repo, ".git", "info", "exclude"))
	require.NoError(t, err)
	assert.Equal(t, string(exclude), string(exclude2), "the pattern is added once")

	outside := t.TempDir()
	r = runSopsCmd(t, "secrets", "keygen", "--type", "age", "--out", outside)
	require.Equal(t, 0, r.code, r.all())
	assert.Empty(t, r.stderr, "outside a work tree there is nothing to warn about")
}

func TestSecretsDecrypt_withoutAKeySaysWhichSourcesWereTried(t *testing.T) {
	repo := newSopsRepo(t)
	r := runSopsCmd(t, "secrets", "encrypt", "--in-place", repo.values)
	require.Equal(t, 0, r.code, r.all())
	home := os.Getenv("HOME")

	r = runSopsCmd(t, "secrets", "decrypt", repo.values)
	assert.Equal(t, ExitError, r.code)
	assert.Equal(t, 1, strings.Count(r.msg, "\n")+1, "one line: %q", r.msg)
	for _, want := range []string{
		"none of the keys given can decrypt it",
		"$SOPS_AGE_KEY_FILE (not set)",
		"$SOPS_AGE_KEY (not set)",
		filepath.Join(home, ".config", "sops", "age", "keys.txt") + " (not found)",
		"GnuPG home " + filepath.Join(home, "no-gnupg") + " (not found)",
		"--identity",
	} {
		assert.Contains(t, r.msg, want)
	}

	other := t.TempDir()
	require.Equal(t, 0, runSopsCmd(t, "secrets", "keygen", "--type", "age", "--out", other).code)
	r = runSopsCmd(t, "secrets", "decrypt", repo.values, "--identity", filepath.Join(other, "key.txt"))
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.msg, "tried: "+filepath.Join(other, "key.txt"))
	assert.NotContains(t, r.msg, "SOPS_AGE_KEY", "with --identity, the environment is not read")
}
