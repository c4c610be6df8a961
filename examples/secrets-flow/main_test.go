package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// TestFlowBuildsAndRuns builds the program and runs it on an empty directory: the repository
// it lays out holds an encrypted values file wired into the Application, and nothing in
// plaintext.
func TestFlowBuildsAndRuns(t *testing.T) {
	bin := fixture.Build(t, ".", "secrets-flow")
	dir := t.TempDir()
	out, err := exec.Command(bin, "-dir", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "5. scan:")
	assert.Contains(t, string(out), "6. decrypted with the private key: same content")
	assert.NotContains(t, string(out), "change-me", "no value is printed")

	enc, err := os.ReadFile(filepath.Join(dir, "chart", "secrets.yaml"))
	require.NoError(t, err)
	assert.NotContains(t, string(enc), "change-me")
	assert.Contains(t, string(enc), "sops:")
	app, err := os.ReadFile(filepath.Join(dir, "app.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(app), "- secrets://secrets.yaml")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotEqual(t, "key.txt", e.Name(), "the private key stays out of the repository")
	}
}
