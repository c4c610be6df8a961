package sops_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// Keys are slow to make (RSA 4096): each kind is made once per test binary.
var (
	keyOnce sync.Map // KeyType+algorithm -> *sops.Key
	keyMu   sync.Mutex
)

func testKey(t testing.TB, typ sops.KeyType, alg sops.PGPAlgorithm) *sops.Key {
	t.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	id := string(typ) + "/" + string(alg)
	if k, ok := keyOnce.Load(id); ok {
		return k.(*sops.Key)
	}
	k, err := sops.GenerateKey(sops.KeygenOptions{Type: typ, Algorithm: alg, Name: "ck8sargo test"})
	require.NoError(t, err)
	keyOnce.Store(id, k)
	return k
}

// sopsCLI is the real sops binary built by tools/sops/build.sh.
func sopsCLI(t testing.TB) string {
	t.Helper()
	p := filepath.Join(testenv.BinDir(), "sops")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the sops CLI is missing at %s: run `make test-bin`", p)
	}
	return p
}

// gnupgHome makes a GnuPG home with the given armored keys imported by the real gpg, and
// stops its agent when the test ends.
func gnupgHome(t testing.TB, armored ...[]byte) string {
	t.Helper()
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Fatalf("gpg is missing: install the Debian package gnupg")
	}
	// A short path: gpg-agent's socket path must fit in 108 bytes.
	home, err := os.MkdirTemp("", "gnupg")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(home, 0o700))
	t.Cleanup(func() {
		kill := exec.Command("gpgconf", "--kill", "all")
		kill.Env = append(os.Environ(), "GNUPGHOME="+home)
		_ = kill.Run()
		os.RemoveAll(home)
	})
	for _, a := range armored {
		cmd := exec.Command(gpg, "--batch", "--import")
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		cmd.Stdin = bytes.NewReader(a)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "gpg --import: %s", out)
	}
	return home
}

// runSops runs the sops CLI in dir with env added, and returns stdout.
func runSops(t testing.TB, dir string, env []string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(sopsCLI(t), append([]string{"--disable-version-check"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.Bytes(), &cliError{err: err, stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}

type cliError struct {
	err    error
	stderr string
}

func (e *cliError) Error() string { return e.err.Error() + ": " + e.stderr }

// cleanEnv is the environment without any sops or GnuPG key setting of the machine.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SOPS_") || strings.HasPrefix(kv, "GNUPGHOME=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o600))
}

// cliEncrypted writes plain to file (a name in dir) and has the sops CLI, with env added,
// encrypt it in place, as a user does; it returns what the file then holds.
func cliEncrypted(t testing.TB, dir string, env []string, file, plain string) []byte {
	t.Helper()
	name := filepath.Join(dir, file)
	writeFile(t, name, []byte(plain))
	_, err := runSops(t, dir, env, "--encrypt", "--in-place", file)
	require.NoError(t, err)
	enc, err := os.ReadFile(name)
	require.NoError(t, err)
	return enc
}

// envKeyring is a keyring that takes its keys from an environment holding only the
// variable name, set to value.
func envKeyring(t testing.TB, name, value string) *sops.Keyring {
	t.Helper()
	kr := sops.NewKeyring()
	require.NoError(t, kr.AddEnvironment(func(v string) string {
		if v == name {
			return value
		}
		return ""
	}))
	return kr
}
