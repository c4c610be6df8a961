package cli

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

// The policy library names no command; the plugin says where the rule IDs are listed and
// keeps the error chain.
func TestPolicyErrorsSayWhereTheRulesAreListed(t *testing.T) {
	unknownDisable := &policy.UnknownRuleError{Setting: "policy.disable", Rule: "no-such-rule"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"an unknown rule in policy.disable", unknownDisable, "policy.disable: unknown rule \"no-such-rule\" (see `kubectl ck8sargo policy rules`)"},
		{"an unknown rule in policy.severity, wrapped", fmt.Errorf("reading manifests: %w", &policy.UnknownRuleError{Setting: "policy.severity", Rule: "x"}), "reading manifests: policy.severity: unknown rule \"x\" (see `kubectl ck8sargo policy rules`)"},
		{"several problems, one of them an unknown rule", errors.Join(unknownDisable, errors.New("policy.ignorePaths: bad glob")), "policy.disable: unknown rule \"no-such-rule\"\npolicy.ignorePaths: bad glob (see `kubectl ck8sargo policy rules`)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := policyError(tt.err)
			assert.EqualError(t, got, tt.want)
			var unknown *policy.UnknownRuleError
			require.ErrorAs(t, got, &unknown)
			assert.ErrorIs(t, got, tt.err)
		})
	}
	other := errors.New("connection refused")
	assert.Same(t, other, policyError(other), "an error about something else is left as it is")
	assert.NoError(t, policyError(nil))
}

// policy.Check returns the typed error for a profile that disables a rule that does not
// exist, so the hint is added where the plugin meets it.
func TestPolicyCheckReturnsAnUnknownRuleAsATypedError(t *testing.T) {
	for _, setting := range []string{"policy.disable", "policy.severity"} {
		t.Run(setting, func(t *testing.T) {
			opts := policy.DefaultOptions()
			opts.Rules = rules.Builtin()
			if setting == "policy.disable" {
				opts.Profile.Policy.Disable = []string{"no-such-rule"}
			} else {
				opts.Profile.Policy.Severity = map[string]string{"no-such-rule": "error"}
			}
			_, err := policy.Check(context.Background(), policy.Inputs{Paths: []string{t.TempDir()}}, opts)
			var unknown *policy.UnknownRuleError
			require.ErrorAs(t, err, &unknown)
			assert.Equal(t, policy.UnknownRuleError{Setting: setting, Rule: "no-such-rule"}, *unknown)
			assert.ErrorContains(t, policyError(err), setting+": unknown rule \"no-such-rule\" (see `kubectl ck8sargo policy rules`)")
		})
	}
}
