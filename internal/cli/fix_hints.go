package cli

import (
	"strings"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// fixHint is how the plugin carries out a fix: its command, or the flag that does it. The
// libraries say what to do in words and name the operation (package fix); the plugin adds
// its own way to do it.
func fixHint(f fix.Fix) string {
	subject := func(placeholder string) string {
		if f.Subject != "" {
			return f.Subject
		}
		return placeholder
	}
	switch f.Op {
	case fix.CreateNamespace:
		return "`kubectl ck8sargo namespace create " + subject("NAME") + " --parent PARENT --wait`"
	case fix.EncryptFile:
		return "`kubectl ck8sargo secrets encrypt --in-place " + subject("FILE") + "`"
	case fix.EditEncryptedFile:
		return "`kubectl ck8sargo secrets edit " + subject("FILE") + "`"
	case fix.SealSecret:
		return "`kubectl ck8sargo secrets seal`"
	case fix.WireValuesFile:
		return "`kubectl ck8sargo secrets wire APP.yaml --values-file '$REF/PATH'`"
	case fix.DiscoverProfile:
		return "`kubectl ck8sargo profile discover`"
	case fix.GiveIdentity:
		return "pass it with `--identity FILE`"
	case fix.RaiseFileLimit:
		return "`--max-file-size`"
	case fix.GiveRepository:
		return "pass `--repo-root` and `--repo-url`"
	}
	return ""
}

// withFixHint adds the plugin's way to do f to a remediation, in parentheses before its
// closing period.
func withFixHint(remediation string, f fix.Fix) string {
	return withHint(remediation, fixHint(f))
}

// withHint adds a hint of the plugin to a text, in parentheses before its closing period.
func withHint(text, hint string) string {
	if hint == "" || text == "" {
		return text
	}
	if s, ok := strings.CutSuffix(text, "."); ok {
		return s + " (" + hint + ")."
	}
	return text + " (" + hint + ")"
}

// policyRulesHint is where the rule IDs are listed, for a rule ID that no rule has.
const policyRulesHint = "see `kubectl ck8sargo policy rules`"

// hintFindings adds the plugin's fix hints to findings, in place. A hinted finding's Fix is
// cleared, so that a finding passed on twice is hinted once.
func hintFindings(fs []policy.Finding) {
	for i := range fs {
		fs[i].Remediation = withFixHint(fs[i].Remediation, fs[i].Fix)
		fs[i].Fix = fix.Fix{}
	}
}

// hintScanFindings is hintFindings for the secrets scanner's findings.
func hintScanFindings(fs []scan.Finding) {
	for i := range fs {
		fs[i].Remediation = withFixHint(fs[i].Remediation, fs[i].Fix)
		fs[i].Fix = fix.Fix{}
	}
}

// hintRules returns the rules with the plugin's fix hints in their remediations.
func hintRules(rules []policy.Rule) []policy.Rule {
	out := make([]policy.Rule, len(rules))
	for i, r := range rules {
		r.Remediation, r.Fix = withFixHint(r.Remediation, r.Fix), fix.Fix{}
		out[i] = r
	}
	return out
}
