package cli

import (
	"errors"
	"fmt"

	"github.com/ck8sargo/ck8sargo/policy"
)

// policyError adds to a policy.Check error what the user of this plugin does about it (the
// library names no command): where the rule IDs are listed, for an unknown rule in the
// profile's policy section.
func policyError(err error) error {
	var unknown *policy.UnknownRuleError
	if errors.As(err, &unknown) {
		return fmt.Errorf("%w (%s)", err, policyRulesHint)
	}
	// A key given with --identity that sops cannot use fails the check before any file.
	return sopsError(err)
}
