package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// sopsBin is the real sops CLI (tools/sops), found before a test isolates HOME.
var sopsBin = filepath.Join(testenv.BinDir(), "sops")

// runSopsCLI runs the real sops CLI in dir with the test's environment plus env, and
// returns stdout and stderr.
func runSopsCLI(t *testing.T, dir string, env []string, args ...string) (string, string, error) {
	t.Helper()
	bin := sopsBin
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the sops CLI is missing at %s: run `make test-bin`", bin)
	}
	cmd := exec.Command(bin, append([]string{"--disable-version-check"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

const consistencyPlain = "db:\n    password: planted-consistency-pw\n"

func TestSecretsInit_postQuantumAgeKeysWorkAsInEncryptAndTheSopsCLI(t *testing.T) {
	isolateSopsEnv(t)
	dir := t.TempDir()
	id, err := age.GenerateHybridIdentity()
	require.NoError(t, err)
	recipient := id.Recipient().String()
	require.True(t, strings.HasPrefix(recipient, "age1pq1"))
	keyFile := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(keyFile, []byte("# post-quantum\n"+id.String()+"\n"), 0o600))
	sopsYAML := filepath.Join(dir, ".sops.yaml")

	r := runSopsCmd(t, "secrets", "init", "--key", recipient, "--file", sopsYAML)
	require.Equal(t, 0, r.code, r.all())
	r = runSopsCmd(t, "secrets", "init", "--key", keyFile, "--file", sopsYAML)
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stdout, "already names age "+recipient, "the identity file gives the same recipient")
	assert.NotContains(t, r.all(), id.String())

	values := filepath.Join(dir, "secrets.yaml")
	require.NoError(t, os.WriteFile(values, []byte(consistencyPlain), 0o644))
	r = runSopsCmd(t, "secrets", "encrypt", "--in-place", values)
	require.Equal(t, 0, r.code, r.all())
	out, stderr, err := runSopsCLI(t, dir, []string{"SOPS_AGE_KEY_FILE=" + keyFile}, "--decrypt", "secrets.yaml")
	require.NoError(t, err, stderr)
	assert.Equal(t, consistencyPlain, out, "the sops CLI decrypts what init and encrypt made")

	cliFile := filepath.Join(dir, "secrets.cli.yaml")
	require.NoError(t, os.WriteFile(cliFile, []byte(consistencyPlain), 0o644))
	_, stderr, err = runSopsCLI(t, dir, nil, "--encrypt", "--in-place", "secrets.cli.yaml")
	require.NoError(t, err, "the sops CLI reads the .sops.yaml init wrote: %s", stderr)
	r = runSopsCmd(t, "secrets", "decrypt", cliFile, "--identity", keyFile)
	require.Equal(t, 0, r.code, r.all())
	assert.Equal(t, consistencyPlain, r.stdout)

	r = runSopsCmd(t, "secrets", "key-secret", "--private-key", keyFile, "--dry-run=client", "-o", "yaml")
	require.Equal(t, 0, r.code, r.all())
	var s corev1.Secret
	require.NoError(t, yaml.Unmarshal([]byte(r.stdout), &s))
	assert.Contains(t, string(s.Data["key.asc"]), "AGE-SECRET-KEY-PQ-1")
}

func TestSecretsKeySecret_dryRunClientAsKubectlUsersTypeIt(t *testing.T) {
	isolateSopsEnv(t)
	keys := t.TempDir()
	keyFile, key := ageKeygen(t, keys)
	// No cluster: a client dry run must not try to reach one.
	noCluster := []string{"--kubeconfig", filepath.Join(keys, "missing-kubeconfig")}

	r := runSopsCmd(t, append(noCluster, "secrets", "key-secret", "--private-key", keyFile, "--dry-run=client", "-o", "yaml")...)
	require.Equal(t, 0, r.code, r.all())
	var s corev1.Secret
	require.NoError(t, yaml.Unmarshal([]byte(r.stdout), &s))
	assert.Equal(t, "helm-secrets-private-keys", s.Name)
	assert.Equal(t, key, s.Data["key.asc"], "the Secret kubectl create secret --dry-run=client -o yaml would print")

	for _, args := range [][]string{{"--dry-run=client"}, {"--dry-run"}, {"--apply", "--dry-run=client"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runSopsCmd(t, append(append(noCluster, "secrets", "key-secret", "--private-key", keyFile), args...)...)
			require.Equal(t, 0, r.code, r.all())
			assert.Contains(t, r.stdout, "not sent (dry run)")
			assert.NotContains(t, r.all(), "AGE-SECRET-KEY-")
		})
	}
	r = runSopsCmd(t, "secrets", "key-secret", "--private-key", keyFile, "--dry-run=maybe")
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.msg, "--dry-run must be none, client or server")

	tok := filepath.Join(keys, "token")
	require.NoError(t, os.WriteFile(tok, []byte("planted-vault-token"), 0o600))
	r = runSopsCmd(t, append(noCluster, "secrets", "vals-secret", "--addr", "https://vault.example.com:8200", "--token-file", tok, "--dry-run=client", "-o", "yaml")...)
	require.Equal(t, 0, r.code, r.all())
	require.NoError(t, yaml.Unmarshal([]byte(r.stdout), &s))
	assert.Equal(t, "vals-secret", s.Name)
}

// With PGP, encrypt after init --key public.asc needs no --public-key: init put the key in
// the GnuPG keyring that sops reads, and the real sops CLI finds it there too.
func TestSecretsInit_pgpKeyIsFoundAgainByEncryptAndTheSopsCLI(t *testing.T) {
	home, gnupg := isolatePGPEnv(t)
	require.NoError(t, os.Remove(gnupg), "init makes the home itself")
	keys := filepath.Join(home, "keys")
	r := runSopsCmd(t, "secrets", "keygen", "--type", "pgp", "--algorithm", "ed25519", "--out", keys, "-o", "json")
	require.Equal(t, 0, r.code, r.all())
	dir := t.TempDir()
	sopsYAML := filepath.Join(dir, ".sops.yaml")
	values := filepath.Join(dir, "secrets.yaml")
	require.NoError(t, os.WriteFile(values, []byte(consistencyPlain), 0o644))

	t.Run("before init imports it, encrypt needs --public-key", func(t *testing.T) {
		r := runSopsCmd(t, "secrets", "init", "--key", filepath.Join(keys, "public.asc"), "--file", sopsYAML, "--gnupg-import=false")
		require.Equal(t, 0, r.code, r.all())
		r = runSopsCmd(t, "secrets", "encrypt", values)
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.msg, "--public-key")
	})

	r = runSopsCmd(t, "secrets", "init", "--key", filepath.Join(keys, "public.asc"), "--file", sopsYAML)
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stdout, "into GnuPG home "+gnupg)
	secret := exec.Command("gpg", "--batch", "--with-colons", "--list-secret-keys")
	secret.Env = os.Environ()
	listed, _ := secret.Output()
	assert.NotContains(t, string(listed), "sec:", "only the public part goes into the keyring")

	r = runSopsCmd(t, "secrets", "encrypt", "--in-place", values)
	require.Equal(t, 0, r.code, "encrypt finds the public key without --public-key: %s", r.all())
	cliFile := filepath.Join(dir, "secrets.cli.yaml")
	require.NoError(t, os.WriteFile(cliFile, []byte(consistencyPlain), 0o644))
	_, stderr, err := runSopsCLI(t, dir, nil, "--encrypt", "--in-place", "secrets.cli.yaml")
	require.NoError(t, err, "the sops CLI finds the key init imported: %s", stderr)

	for _, f := range []string{values, cliFile} {
		r = runSopsCmd(t, "secrets", "decrypt", f, "--identity", filepath.Join(keys, "private.asc"))
		require.Equal(t, 0, r.code, r.all())
		assert.Equal(t, consistencyPlain, r.stdout)
	}
}

func TestSecretsStatusAndDecrypt_aFileWithoutMACSaysNoMAC(t *testing.T) {
	repo, enc := encryptedSopsRepo(t)
	noMAC := regexp.MustCompile(`(?m)^    mac: .*\n`).ReplaceAll(enc, nil)
	require.NotEqual(t, enc, noMAC)
	file := filepath.Join(filepath.Dir(repo.values), "secrets.nomac.yaml")
	require.NoError(t, os.WriteFile(file, noMAC, 0o644))

	_, stderr, err := runSopsCLI(t, filepath.Dir(file), []string{"SOPS_AGE_KEY_FILE=" + repo.keyFile}, "--decrypt", "secrets.nomac.yaml")
	require.Error(t, err)
	assert.Contains(t, stderr, "File has no MAC", "the peer's wording")

	r := runSopsCmd(t, "secrets", "decrypt", file, "--identity", repo.keyFile)
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.msg, "no MAC")
	assert.NotContains(t, r.all(), "truncated")

	r = runSopsCmd(t, "secrets", "status", file)
	assert.Equal(t, 0, r.code, "status reports the problem, needing no key: %s", r.all())
	assert.Contains(t, r.stdout, "no MAC")
	assert.NotContains(t, r.all(), "truncated")
}

// Issue 16 item 1 on the command line: --identity with a file of two armored private keys
// decrypts and rotates a file the sops CLI encrypted for the second key only.
func TestSecretsDecrypt_identityFileWithSeveralKeysFindsTheSecond(t *testing.T) {
	home, _ := isolatePGPEnv(t)
	first, second := filepath.Join(home, "first"), filepath.Join(home, "second")
	for _, d := range []string{first, second} {
		r := runSopsCmd(t, "secrets", "keygen", "--type", "pgp", "--algorithm", "ed25519", "--out", d)
		require.Equal(t, 0, r.code, r.all())
	}
	dir := t.TempDir()
	r := runSopsCmd(t, "secrets", "init", "--key", filepath.Join(second, "public.asc"), "--file", filepath.Join(dir, ".sops.yaml"))
	require.Equal(t, 0, r.code, r.all())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secrets.yaml"), []byte(consistencyPlain), 0o644))
	_, stderr, err := runSopsCLI(t, dir, nil, "--encrypt", "--in-place", "secrets.yaml")
	require.NoError(t, err, stderr)

	a, err := os.ReadFile(filepath.Join(first, "private.asc"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(second, "private.asc"))
	require.NoError(t, err)
	both := filepath.Join(home, "both.asc")
	require.NoError(t, os.WriteFile(both, append(append(a, '\n'), b...), 0o600))

	r = runSopsCmd(t, "secrets", "decrypt", filepath.Join(dir, "secrets.yaml"), "--identity", both)
	require.Equal(t, 0, r.code, r.all())
	assert.Equal(t, consistencyPlain, r.stdout)
	r = runSopsCmd(t, "secrets", "rotate", filepath.Join(dir, "secrets.yaml"), "--identity", both)
	require.Equal(t, 0, r.code, r.all())
	r = runSopsCmd(t, "secrets", "key-secret", "--private-key", both, "--dry-run=client", "-o", "yaml")
	require.Equal(t, 0, r.code, "key-secret takes both blocks: %s", r.msg)
}
