package sops_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// gpgRun runs the real gpg in home and returns stdout.
func gpgRun(t *testing.T, home string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("gpg", append([]string{"--batch"}, args...)...)
	cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "gpg %s: %s", strings.Join(args, " "), stderr.String())
	return stdout.Bytes()
}

// TestMultiKeyFiles uses files with several OpenPGP keys as GnuPG writes them (one export of
// a keyring with two keys; two exports concatenated; a PGP export followed by an age
// identity) for a file that the sops CLI encrypted for the second key only.
func TestMultiKeyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("needs gpg and the sops CLI")
	}
	first := testKey(t, sops.KeyTypePGP, sops.PGPEd25519)
	second := testKey(t, sops.KeyTypePGP, sops.PGPRSA4096)
	ageKey := testKey(t, sops.KeyTypeAge, "")
	home := gnupgHome(t, first.Private, second.Private)
	keyringExport := gpgRun(t, home, nil, "--armor", "--export-secret-keys", first.Fingerprint, second.Fingerprint)
	require.Equal(t, 1, bytes.Count(keyringExport, []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")), "gpg exports a keyring as one block")
	concatenated := append(append(gpgRun(t, home, nil, "--armor", "--export-secret-keys", first.Fingerprint), '\n'),
		gpgRun(t, home, nil, "--armor", "--export-secret-keys", second.Fingerprint)...)
	mixed := append(append(bytes.Clone(first.Private), '\n'), append(second.Private, ageKey.Private...)...)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".sops.yaml"), []byte("creation_rules:\n  - pgp: "+second.Fingerprint+"\n"))
	name := filepath.Join(dir, "secrets.yaml")
	enc := cliEncrypted(t, dir, []string{"GNUPGHOME=" + home}, "secrets.yaml", plainValues)
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"one gpg export of a keyring of two keys", keyringExport},
		{"two exports one after the other", concatenated},
		{"two keys and an age identity in one file", mixed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idFile := filepath.Join(t.TempDir(), "keys.asc")
			writeFile(t, idFile, tc.file)
			kr := sops.NewKeyring()
			require.NoError(t, kr.AddIdentityFile(idFile))
			c := &sops.Client{Keyring: kr}

			out, err := c.Decrypt(ctx, name, enc)
			require.NoError(t, err, "decrypt finds the second key")
			assert.Equal(t, plainValues, string(out))

			rotated, err := c.Rotate(ctx, name, enc)
			require.NoError(t, err, "rotate finds the second key")
			edited, changed, err := c.Edit(ctx, name, rotated, func(p []byte) ([]byte, error) {
				return bytes.Replace(p, []byte("port: 5432"), []byte("port: 5433"), 1), nil
			})
			require.NoError(t, err, "edit finds the second key")
			require.True(t, changed)
			rotatedFile := filepath.Join(dir, "secrets.rotated.yaml")
			writeFile(t, rotatedFile, edited)
			cli, err := runSops(t, dir, []string{"GNUPGHOME=" + home}, "--decrypt", "secrets.rotated.yaml")
			require.NoError(t, err, "the sops CLI reads what was rotated and edited")
			assert.Equal(t, strings.Replace(plainValues, "5432", "5433", 1), string(cli))

			s, err := sops.KeySecret(argocdmanaged.DefaultProfile(), tc.file)
			require.NoError(t, err, "key-secret takes every block")
			assert.Equal(t, tc.file, s.Data["key.asc"], "byte for byte")
		})
	}

	t.Run("key-secret refuses a passphrase-protected second block, naming its fingerprint", func(t *testing.T) {
		gpgRun(t, home, nil, "--pinentry-mode", "loopback", "--passphrase", "pw-planted", "--quick-generate-key", "protected <p@example.com>", "ed25519", "default", "never")
		colons := string(gpgRun(t, home, nil, "--with-colons", "--list-secret-keys", "p@example.com"))
		var fpr string
		for _, l := range strings.Split(colons, "\n") {
			if strings.HasPrefix(l, "fpr:") && fpr == "" {
				fpr = strings.Split(l, ":")[9]
			}
		}
		require.NotEmpty(t, fpr)
		protected := gpgRun(t, home, nil, "--pinentry-mode", "loopback", "--passphrase", "pw-planted", "--armor", "--export-secret-keys", fpr)
		file := append(append(bytes.Clone(second.Private), '\n'), protected...)
		_, err := sops.KeySecret(argocdmanaged.DefaultProfile(), file)
		require.Error(t, err)
		assert.Contains(t, err.Error(), fpr)
		assert.Contains(t, err.Error(), "passphrase")
		assert.Contains(t, err.Error(), "block 2 of 2")
		assert.NotContains(t, err.Error(), "pw-planted")
	})
	t.Run("a public key block among identities is refused with its fingerprint", func(t *testing.T) {
		pub := gpgRun(t, home, nil, "--armor", "--export", first.Fingerprint)
		err := sops.NewKeyring().AddIdentity("keys.asc", append(append(bytes.Clone(second.Private), '\n'), pub...))
		require.Error(t, err)
		assert.Contains(t, err.Error(), first.Fingerprint)
		assert.Contains(t, err.Error(), "public key")
	})
}
