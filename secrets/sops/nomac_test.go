package sops_test

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// A file whose mac line was taken out is "no MAC", as the sops CLI says, not "truncated".
func TestAFileWithoutMACSaysNoMACAsSopsDoes(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the sops CLI")
	}
	k := testKey(t, sops.KeyTypeAge, "")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".sops.yaml"), []byte("creation_rules:\n  - age: "+k.Recipient+"\n"))
	enc := cliEncrypted(t, dir, nil, "secrets.yaml", plainValues)
	noMAC := regexp.MustCompile(`(?m)^    mac: .*\n`).ReplaceAll(enc, nil)
	require.NotEqual(t, enc, noMAC)
	writeFile(t, filepath.Join(dir, "secrets.nomac.yaml"), noMAC)
	writeFile(t, filepath.Join(dir, "key.txt"), k.Private)

	_, cliErr := runSops(t, dir, []string{"SOPS_AGE_KEY_FILE=key.txt"}, "--decrypt", "secrets.nomac.yaml")
	require.Error(t, cliErr)
	assert.Contains(t, cliErr.Error(), "File has no MAC", "the peer's wording")

	kr := sops.NewKeyring()
	require.NoError(t, kr.AddIdentity("key.txt", k.Private))
	_, err := (&sops.Client{Keyring: kr}).Decrypt(context.Background(), filepath.Join(dir, "secrets.nomac.yaml"), noMAC)
	require.ErrorIs(t, err, sops.ErrNoMAC)
	assert.Contains(t, err.Error(), "no MAC")
	assert.NotContains(t, err.Error(), "truncated")
}
