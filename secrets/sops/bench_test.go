package sops_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// values1000 is a values file of 1,000 keys in 100 groups.
func values1000() []byte {
	var b strings.Builder
	for g := 0; g < 100; g++ {
		fmt.Fprintf(&b, "group%03d:\n", g)
		for k := 0; k < 10; k++ {
			fmt.Fprintf(&b, "    key%d: value-%03d-%d-0123456789abcdef\n", k, g, k)
		}
	}
	return []byte(b.String())
}

// ageWorkspace is a directory with an age key file and a .sops.yaml that encrypts to it,
// a client that holds the key, and the environment that gives the sops CLI the key.
func ageWorkspace(b *testing.B) (dir string, c *sops.Client, env []string) {
	b.Helper()
	c, k, dir := ageClient(b)
	keyFile := filepath.Join(dir, "key.txt")
	writeFile(b, keyFile, k.Private)
	return dir, c, []string{"SOPS_AGE_KEY_FILE=" + keyFile}
}

// loop is a benchmark that runs op until b.Loop stops it, failing on op's first error.
func loop(op func(b *testing.B) ([]byte, error)) func(*testing.B) {
	return func(b *testing.B) {
		for b.Loop() {
			if _, err := op(b); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkValues1000 encrypts and decrypts a 1,000-key values file with age, in process
// and with the real sops CLI on the same file, so that one run gives both figures.
func BenchmarkValues1000(b *testing.B) {
	dir, c, env := ageWorkspace(b)
	plain := values1000()
	plainFile := filepath.Join(dir, "plain.yaml")
	writeFile(b, plainFile, plain)
	ctx := context.Background()
	name := filepath.Join(dir, "secrets.yaml")
	enc, err := c.Encrypt(ctx, name, plain)
	require.NoError(b, err)
	writeFile(b, name, enc)

	b.Run("encrypt/ck8sargo", loop(func(b *testing.B) ([]byte, error) { return c.Encrypt(ctx, name, plain) }))
	b.Run("encrypt/sops-cli", loop(func(b *testing.B) ([]byte, error) {
		return runSops(b, dir, env, "--encrypt", "--filename-override", "secrets.yaml", "plain.yaml")
	}))
	b.Run("decrypt/ck8sargo", loop(func(b *testing.B) ([]byte, error) { return c.Decrypt(ctx, name, enc) }))
	b.Run("decrypt/sops-cli", loop(func(b *testing.B) ([]byte, error) { return runSops(b, dir, env, "--decrypt", "secrets.yaml") }))
	_ = os.Remove(plainFile)
}

// valuesKeys is a flat values file of n keys, as a large generated values file is.
func valuesKeys(n int) []byte {
	var b strings.Builder
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "key%06d: value-%06d-0123456789abcdef\n", k, k)
	}
	return []byte(b.String())
}

// BenchmarkEncryptKeys encrypts values files of 10,000 and 40,000 keys with age, in process
// and with the sops CLI, to show that the time grows linearly with the number of keys.
func BenchmarkEncryptKeys(b *testing.B) {
	dir, c, env := ageWorkspace(b)
	ctx := context.Background()
	name := filepath.Join(dir, "secrets.yaml")
	for _, n := range []int{10_000, 40_000} {
		plain := valuesKeys(n)
		plainFile := fmt.Sprintf("plain%d.yaml", n)
		writeFile(b, filepath.Join(dir, plainFile), plain)
		b.Run(fmt.Sprintf("keys=%d/ck8sargo", n), loop(func(b *testing.B) ([]byte, error) { return c.Encrypt(ctx, name, plain) }))
		b.Run(fmt.Sprintf("keys=%d/sops-cli", n), loop(func(b *testing.B) ([]byte, error) {
			return runSops(b, dir, env, "--encrypt", "--filename-override", "secrets.yaml", plainFile)
		}))
	}
}
