package main

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// TestGateBuildsAndFailsOnlyOnFindings builds the program and runs it as CI would.
func TestGateBuildsAndFailsOnlyOnFindings(t *testing.T) {
	bin := fixture.Build(t, ".", "policy-gate")
	dir := t.TempDir()
	fixture.WriteFiles(t, dir, map[string]string{
		"good/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: LoadBalancer}\n",
		"bad/ns.yaml":   "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
	})
	gate := func(args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		r := fixture.Run(t, cmd)
		return r.Code, r.Stdout
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

	fixture.WriteFiles(t, dir, map[string]string{".ck8sargo.yaml": "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\npolicy:\n  disable: [no-namespace-resource]\n"})
	code, _ = gate("bad")
	assert.Equal(t, 0, code, "the repository's profile disables the rule")
}
