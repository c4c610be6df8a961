package sops_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/sops"
	"github.com/ck8sargo/ck8sargo/secrets/sopsconfig"
)

// ageClient is a client with a fresh age key, and a directory with a .sops.yaml for it.
func ageClient(t testing.TB) (*sops.Client, *sops.Key, string) {
	t.Helper()
	k, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
	require.NoError(t, err)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".sops.yaml"), []byte("creation_rules:\n  - age: "+k.Recipient+"\n"))
	kr := sops.NewKeyring()
	require.NoError(t, kr.AddIdentity("key.txt", k.Private))
	return &sops.Client{Keyring: kr}, k, dir
}

func TestGenerateKey(t *testing.T) {
	t.Run("age keys are in age-keygen's format", func(t *testing.T) {
		k, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(k.Private)), "\n")
		require.Len(t, lines, 3)
		assert.True(t, strings.HasPrefix(lines[0], "# created: "))
		assert.Equal(t, "# public key: "+k.Recipient, lines[1])
		assert.True(t, strings.HasPrefix(lines[2], "AGE-SECRET-KEY-1"))
		assert.Equal(t, k.Recipient+"\n", string(k.Public))
	})
	t.Run("ed25519 OpenPGP keys are v4 with a 40-digit fingerprint", func(t *testing.T) {
		k := testKey(t, sops.KeyTypePGP, sops.PGPEd25519)
		assert.Regexp(t, `^[0-9A-F]{40}$`, k.Fingerprint)
		assert.Contains(t, string(k.Private), "-----BEGIN PGP PRIVATE KEY BLOCK-----")
		assert.Contains(t, string(k.Public), "-----BEGIN PGP PUBLIC KEY BLOCK-----")
		pk, err := sopsconfig.ParsePublicKey(k.Public)
		require.NoError(t, err)
		assert.Equal(t, sopsconfig.PublicKey{Type: sopsconfig.KeyTypePGP, ID: k.Fingerprint}, pk)
	})
	for _, bad := range []sops.KeygenOptions{{Type: "rsa"}, {Type: sops.KeyTypePGP, Algorithm: "dsa"}, {Type: sops.KeyTypePGP, Algorithm: sops.PGPEd25519, Name: "a<b>"}} {
		t.Run("refuses "+string(bad.Type)+" "+string(bad.Algorithm), func(t *testing.T) {
			_, err := sops.GenerateKey(bad)
			assert.Error(t, err)
		})
	}
}

func TestWriteFiles(t *testing.T) {
	k, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "keys")
	files, err := k.WriteFiles(dir, false)
	require.NoError(t, err)
	assertMode(t, files.PrivateKeyFile, 0o600)
	assertMode(t, files.PublicKeyFile, 0o644)
	_, err = k.WriteFiles(dir, false)
	assert.ErrorContains(t, err, "already exists", "a key in use is never overwritten by accident")
	_, err = k.WriteFiles(dir, true)
	assert.NoError(t, err)
}

func TestRoundTrip(t *testing.T) {
	c, k, dir := ageClient(t)
	ctx := context.Background()
	name := filepath.Join(dir, "secrets.yaml")
	enc, err := c.Encrypt(ctx, name, []byte(plainValues))
	require.NoError(t, err)
	assert.NotContains(t, string(enc), "planted")
	assert.Contains(t, string(enc), "replicas_unencrypted: 2", "sops' default unencrypted suffix applies")

	t.Run("decrypt gives the plaintext back", func(t *testing.T) {
		out, err := c.Decrypt(ctx, name, enc)
		require.NoError(t, err)
		assert.Equal(t, plainValues, string(out))
	})
	t.Run("encrypting twice is refused", func(t *testing.T) {
		_, err := c.Encrypt(ctx, name, enc)
		assert.ErrorIs(t, err, sops.ErrAlreadyEncrypted)
	})
	t.Run("status names the recipients and says they match", func(t *testing.T) {
		st, err := c.Status(ctx, name, enc)
		require.NoError(t, err)
		assert.True(t, st.Encrypted)
		assert.Equal(t, []string{"age:" + k.Recipient}, st.Recipients)
		require.NotNil(t, st.RecipientsMatch)
		assert.True(t, *st.RecipientsMatch)
		assert.NotNil(t, st.LastModified)
		assert.Equal(t, sops.Version, st.SopsVersion)
		assert.Empty(t, st.PlaintextKeys)
	})
	t.Run("edit re-encrypts only when changed", func(t *testing.T) {
		same, changed, err := c.Edit(ctx, name, enc, func(p []byte) ([]byte, error) { return p, nil })
		require.NoError(t, err)
		assert.False(t, changed)
		assert.Equal(t, enc, same)
		edited, changed, err := c.Edit(ctx, name, enc, func(p []byte) ([]byte, error) {
			return []byte(strings.Replace(string(p), "port: 5432", "port: 6543", 1)), nil
		})
		require.NoError(t, err)
		assert.True(t, changed)
		out, err := c.Decrypt(ctx, name, edited)
		require.NoError(t, err)
		assert.Contains(t, string(out), "port: 6543")
	})
	t.Run("an edit that is not YAML is refused", func(t *testing.T) {
		_, _, err := c.Edit(ctx, name, enc, func(p []byte) ([]byte, error) { return []byte("a: [\n"), nil })
		assert.ErrorContains(t, err, "left as it was")
	})
	t.Run("a file without rule nor recipients is refused", func(t *testing.T) {
		other := &sops.Client{Keyring: sops.NewKeyring(), ConfigFile: filepath.Join(t.TempDir(), "none.yaml")}
		writeFile(t, other.ConfigFile, []byte("creation_rules:\n  - path_regex: ^nothing$\n    age: "+k.Recipient+"\n"))
		_, err := other.Encrypt(ctx, name, []byte("a: b\n"))
		assert.ErrorIs(t, err, sops.ErrNoCreationRule)
	})
}

func TestBadInput(t *testing.T) {
	c, _, dir := ageClient(t)
	ctx := context.Background()
	name := filepath.Join(dir, "secrets.yaml")
	enc, err := c.Encrypt(ctx, name, []byte(plainValues))
	require.NoError(t, err)
	other, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
	require.NoError(t, err)
	wrong := sops.NewKeyring()
	require.NoError(t, wrong.AddIdentity("other.txt", other.Private))

	tests := []struct {
		name   string
		client *sops.Client
		data   string
		want   error
		text   string
	}{
		{name: "wrong key", client: &sops.Client{Keyring: wrong}, data: string(enc), want: sops.ErrNoKey, text: "tried: other.txt"},
		{name: "no key at all", client: &sops.Client{Keyring: sops.NewKeyring()}, data: string(enc), want: sops.ErrNoKey},
		{name: "MAC mismatch: a plaintext value edited by hand", client: c, data: editByHand(t, string(enc)), want: sops.ErrMACMismatch},
		{name: "a value replaced by plaintext", client: c, data: strings.Replace(string(enc), "port: ENC[", "port: 1\n#ENC[", 1), want: sops.ErrDamaged},
		{name: "truncated file", client: c, data: string(enc)[:len(enc)/2], text: "secrets.yaml"},
		{name: "plaintext file", client: c, data: plainValues, want: sops.ErrNotEncrypted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.Decrypt(ctx, name, []byte(tt.data))
			require.Error(t, err)
			if tt.want != nil {
				assert.True(t, errors.Is(err, tt.want), "got %v", err)
			}
			assert.Contains(t, err.Error(), tt.text)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.NotContains(t, err.Error(), "planted")
		})
	}
}

// editByHand changes a value that sops left in plaintext (replicas_unencrypted): the file
// still decrypts value by value, but the MAC covers every value and no longer matches.
func editByHand(t *testing.T, enc string) string {
	t.Helper()
	require.Contains(t, enc, "replicas_unencrypted: 2")
	return strings.Replace(enc, "replicas_unencrypted: 2", "replicas_unencrypted: 3", 1)
}

func TestKeyring(t *testing.T) {
	kr := sops.NewKeyring()
	assert.ErrorIs(t, kr.AddIdentity("x", []byte("hello")), sops.ErrNotAKey)
	err := kr.AddIdentity("bad.txt", []byte("AGE-SECRET-KEY-1NOTAKEY-planted\n"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "planted", "age's parse error would quote the line")
	assert.True(t, kr.Empty())
}

// TestDecryptTruncatedAnywhere cuts an encrypted file at every line and in the middle of
// every line: each cut is refused with a one-line error that quotes no value, never a
// panic and never a partial plaintext. (Fuzzing the sops stores in process would need the
// whole sops dependency tree instrumented; this covers the cut a failed write leaves.)
func TestDecryptTruncatedAnywhere(t *testing.T) {
	c, _, dir := ageClient(t)
	ctx := context.Background()
	for _, ext := range []string{"yaml", "json", "env"} {
		plain := map[string]string{
			"yaml": plainValues,
			"json": `{"password": "hunter2-planted-value", "port": 5432}`,
			"env":  "PASSWORD=hunter2-planted-value\nPORT=5432\n",
		}[ext]
		name := filepath.Join(dir, "secrets."+ext)
		enc, err := c.Encrypt(ctx, name, []byte(plain))
		require.NoError(t, err)
		var cuts []int
		for i, b := range enc {
			if b == '\n' {
				cuts = append(cuts, i, i+1)
			}
		}
		for i := 0; i < len(enc); i += 37 {
			cuts = append(cuts, i)
		}
		for _, n := range cuts {
			if n >= len(enc) || strings.TrimSpace(string(enc[n:])) == "" {
				continue
			}
			out, err := c.Decrypt(ctx, name, enc[:n])
			if err == nil {
				t.Fatalf("%s cut at %d of %d decrypted to %d bytes", ext, n, len(enc), len(out))
			}
			require.NotContains(t, err.Error(), "\n")
			require.NotContains(t, err.Error(), "planted")
		}
	}
}
