package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGateBuildsAndFailsOnlyOnFindings builds the program and runs it as CI would, on the
// notify package's test corpus.
func TestGateBuildsAndFailsOnlyOnFindings(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "notify-lint")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	gate := func(args ...string) (int, string) {
		out, err := exec.Command(bin, args...).Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		require.NoError(t, err)
		return 0, string(out)
	}
	corpus := "../../notify/testdata/lint/"

	code, out := gate(corpus + "valid/email-slack-webhook-teams.yaml")
	assert.Equal(t, 0, code, out)

	code, out = gate("-format", "github", corpus+"broken/trigger-sends-missing-template.yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "::error file=../../notify/testdata/lint/broken/trigger-sends-missing-template.yaml,line=8,")
	assert.Contains(t, out, "title=notify-trigger-template::")

	code, _ = gate(corpus + "broken/trigger-without-nil-guard.yaml")
	assert.Equal(t, 0, code, "warnings pass the default gate")
	code, _ = gate("-fail-on", "warning", corpus+"broken/trigger-without-nil-guard.yaml")
	assert.Equal(t, 1, code)

	code, _ = gate("no-such-file.yaml")
	assert.Equal(t, 2, code)
}
