package main

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// TestGateBuildsAndFailsOnlyOnFindings builds the program and runs it as CI would, on the
// notify package's test corpus.
func TestGateBuildsAndFailsOnlyOnFindings(t *testing.T) {
	bin := fixture.Build(t, ".", "notify-lint")
	gate := func(args ...string) (int, string) {
		r := fixture.Run(t, exec.Command(bin, args...))
		return r.Code, r.Stdout
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
