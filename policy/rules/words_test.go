package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/policy/rules"
)

// A tool built on the rules shows their text as it is: it must not send the user to a
// command of a tool they may not have. Commands come from a rule's Fix.
func TestRulesNameNoCommandOfThePlugin(t *testing.T) {
	for _, r := range rules.Builtin() {
		for _, text := range []string{r.Title, r.Rationale, r.Remediation} {
			assert.NotContains(t, text, "kubectl ck8sargo", r.ID)
			assert.NotContains(t, text, "--identity", r.ID)
			assert.NotContains(t, text, "--repo-root", r.ID)
		}
	}
}
