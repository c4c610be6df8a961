package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGateBuildsAndFailsOnlyOnFindings builds the program and runs it as CI would.
func TestGateBuildsAndFailsOnlyOnFindings(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "policy-gate")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("good/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: LoadBalancer}\n")
	write("bad/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")

	gate := func(args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		require.NoError(t, err)
		return 0, string(out)
	}
	code, out := gate("good")
	assert.Equal(t, 0, code, "a warning does not fail the default gate")
	assert.Contains(t, out, "::warning file=good/svc.yaml,line=4,title=no-load-balancer::")

	code, _ = gate("-fail-on", "warning", "good")
	assert.Equal(t, 1, code)

	code, out = gate("bad")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "::error file=bad/ns.yaml,line=1,title=no-namespace-resource::")

	code, _ = gate("missing")
	assert.Equal(t, 2, code)

	write(".ck8sargo.yaml", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\npolicy:\n  disable: [no-namespace-resource]\n")
	code, _ = gate("bad")
	assert.Equal(t, 0, code, "the repository's profile disables the rule")
}
