package sops_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

const plainValues = `# database settings
db:
    user: shop
    password: hunter2-planted-value
    port: 5432
replicas_unencrypted: 2
tokens:
    - first-planted-token
    - second-planted-token
`

func TestKeygenPGPImportsIntoGnuPG(t *testing.T) {
	if testing.Short() {
		t.Skip("needs gpg")
	}
	for _, alg := range []sops.PGPAlgorithm{sops.PGPRSA4096, sops.PGPEd25519} {
		t.Run(string(alg), func(t *testing.T) {
			k := testKey(t, sops.KeyTypePGP, alg)
			home := gnupgHome(t, k.Private)
			cmd := exec.Command("gpg", "--batch", "--with-colons", "--list-secret-keys")
			cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "fpr:::::::::"+k.Fingerprint+":")
			// A secret key without passphrase: gpg can use it in batch mode without a prompt.
			sign := exec.Command("gpg", "--batch", "--pinentry-mode", "error", "--clearsign")
			sign.Env = cmd.Env
			sign.Stdin = strings.NewReader("x")
			out, err = sign.CombinedOutput()
			require.NoError(t, err, "the key needs no passphrase: %s", out)
		})
	}
}

func TestInteropPGP(t *testing.T) {
	if testing.Short() {
		t.Skip("needs gpg and the sops CLI")
	}
	for _, alg := range []sops.PGPAlgorithm{sops.PGPRSA4096, sops.PGPEd25519} {
		t.Run(string(alg), func(t *testing.T) { interopPGP(t, alg) })
	}
}

func interopPGP(t *testing.T, alg sops.PGPAlgorithm) {
	k := testKey(t, sops.KeyTypePGP, alg)
	home := gnupgHome(t, k.Private)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".sops.yaml"), []byte("creation_rules:\n  - path_regex: secrets.*\\.yaml$\n    pgp: "+k.Fingerprint+"\n"))
	kr := sops.NewKeyring()
	require.NoError(t, kr.AddIdentity("private.asc", k.Private))
	c := &sops.Client{Keyring: kr}
	ctx := context.Background()

	t.Run("a file the plugin encrypted decrypts with the sops CLI and GnuPG", func(t *testing.T) {
		name := filepath.Join(dir, "secrets.yaml")
		enc, err := c.Encrypt(ctx, name, []byte(plainValues))
		require.NoError(t, err)
		assert.NotContains(t, string(enc), "hunter2")
		writeFile(t, name, enc)
		assert.Empty(t, scan.CheckEncryption(name, enc, nil).Findings, "a file the plugin encrypted scans clean")
		out, err := runSops(t, dir, []string{"GNUPGHOME=" + home}, "--decrypt", "secrets.yaml")
		require.NoError(t, err)
		assert.Equal(t, plainValues, string(out))
	})
	t.Run("a file the sops CLI encrypted decrypts with the plugin", func(t *testing.T) {
		name := filepath.Join(dir, "secrets.cli.yaml")
		enc := cliEncrypted(t, dir, []string{"GNUPGHOME=" + home}, "secrets.cli.yaml", plainValues)
		require.Equal(t, scan.Encrypted, scan.DetectEncryption(enc))
		out, err := c.Decrypt(ctx, name, enc)
		require.NoError(t, err)
		assert.Equal(t, plainValues, string(out))
	})
	t.Run("without identities, the GnuPG home is the fallback, as for sops", func(t *testing.T) {
		gc := &sops.Client{Keyring: envKeyring(t, sops.EnvGnuPGHome, home)}
		name := filepath.Join(dir, "secrets.gnupg.yaml")
		enc, err := gc.Encrypt(ctx, name, []byte(plainValues))
		require.NoError(t, err, "the public key comes from GnuPG's keyring")
		out, err := gc.Decrypt(ctx, name, enc)
		require.NoError(t, err)
		assert.Equal(t, plainValues, string(out))
	})
	t.Run("a fingerprint without any public key is a clear error", func(t *testing.T) {
		bare := &sops.Client{Keyring: sops.NewKeyring()}
		_, err := bare.Encrypt(ctx, filepath.Join(dir, "secrets.x.yaml"), []byte(plainValues))
		var npk *sops.NoPublicKeyError
		require.ErrorAs(t, err, &npk, "the CLI adds the flag that gives the key")
		assert.Equal(t, k.Fingerprint, npk.Fingerprint)
	})
}

func TestInteropAge(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the sops CLI")
	}
	k := testKey(t, sops.KeyTypeAge, "")
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	writeFile(t, keyFile, k.Private)
	writeFile(t, filepath.Join(dir, ".sops.yaml"), []byte("creation_rules:\n  - age: "+k.Recipient+"\n"))
	kr := sops.NewKeyring()
	require.NoError(t, kr.AddIdentityFile(keyFile))
	c := &sops.Client{Keyring: kr}
	ctx := context.Background()
	cliEnv := []string{"SOPS_AGE_KEY_FILE=" + keyFile}

	for _, ext := range []string{"yaml", "json", "env"} {
		plain := map[string]string{
			"yaml": plainValues,
			"json": "{\n\t\"password\": \"hunter2-planted-value\",\n\t\"port\": 5432\n}\n",
			"env":  "PASSWORD=hunter2-planted-value\nPORT=5432\n",
		}[ext]
		t.Run(ext+": plugin to sops CLI", func(t *testing.T) {
			name := filepath.Join(dir, "secrets."+ext)
			enc, err := c.Encrypt(ctx, name, []byte(plain))
			require.NoError(t, err)
			assert.NotContains(t, string(enc), "hunter2")
			writeFile(t, name, enc)
			out, err := runSops(t, dir, cliEnv, "--decrypt", "secrets."+ext)
			require.NoError(t, err)
			assert.Equal(t, plain, string(out))
		})
		t.Run(ext+": sops CLI to plugin", func(t *testing.T) {
			name := filepath.Join(dir, "cli."+ext)
			enc := cliEncrypted(t, dir, cliEnv, "cli."+ext, plain)
			out, err := c.Decrypt(ctx, name, enc)
			require.NoError(t, err)
			assert.Equal(t, plain, string(out))
		})
	}
	t.Run("the environment fallback reads SOPS_AGE_KEY_FILE like the CLI", func(t *testing.T) {
		kr := envKeyring(t, sops.EnvAgeKeyFile, keyFile)
		name := filepath.Join(dir, "cli.yaml")
		enc, err := os.ReadFile(name)
		require.NoError(t, err)
		out, err := (&sops.Client{Keyring: kr}).Decrypt(ctx, name, enc)
		require.NoError(t, err)
		assert.Equal(t, plainValues, string(out))
	})
	t.Run("updatekeys output still decrypts with the sops CLI", func(t *testing.T) {
		k2 := testKey(t, sops.KeyTypeAge, "second")
		name := filepath.Join(dir, "secrets.yaml")
		enc, err := os.ReadFile(name)
		require.NoError(t, err)
		cfg := filepath.Join(dir, "two.sops.yaml")
		writeFile(t, cfg, []byte("creation_rules:\n  - age: "+k.Recipient+","+k2.Recipient+"\n"))
		out, change, err := (&sops.Client{Keyring: kr, ConfigFile: cfg}).UpdateKeys(ctx, name, enc)
		require.NoError(t, err)
		assert.Equal(t, []string{"age:" + k2.Recipient}, change.Added)
		writeFile(t, filepath.Join(dir, "updated.yaml"), out)
		k2File := filepath.Join(dir, "key2.txt")
		writeFile(t, k2File, k2.Private)
		plain, err := runSops(t, dir, []string{"SOPS_AGE_KEY_FILE=" + k2File}, "--decrypt", "updated.yaml")
		require.NoError(t, err)
		assert.Equal(t, plainValues, string(plain))
	})
	t.Run("rotate output still decrypts with the sops CLI", func(t *testing.T) {
		name := filepath.Join(dir, "secrets.yaml")
		enc, err := os.ReadFile(name)
		require.NoError(t, err)
		out, err := c.Rotate(ctx, name, enc)
		require.NoError(t, err)
		assert.NotEqual(t, enc, out)
		writeFile(t, filepath.Join(dir, "rotated.yaml"), out)
		plain, err := runSops(t, dir, cliEnv, "--decrypt", "rotated.yaml")
		require.NoError(t, err)
		assert.Equal(t, plainValues, string(plain))
	})
}
