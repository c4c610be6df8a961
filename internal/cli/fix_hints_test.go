package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/policy/rules"
	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

func TestFixHintNamesThePluginsWayForEveryOperation(t *testing.T) {
	for _, tc := range []struct {
		fix  fix.Fix
		want string
	}{
		{fix.Fix{Op: fix.CreateNamespace, Subject: "shop"}, "`kubectl ck8sargo namespace create shop --parent PARENT --wait`"},
		{fix.Fix{Op: fix.CreateNamespace}, "`kubectl ck8sargo namespace create NAME --parent PARENT --wait`"},
		{fix.Fix{Op: fix.EncryptFile, Subject: "chart/secrets.yaml"}, "`kubectl ck8sargo secrets encrypt --in-place chart/secrets.yaml`"},
		{fix.Fix{Op: fix.EditEncryptedFile}, "`kubectl ck8sargo secrets edit FILE`"},
		{fix.Fix{Op: fix.SealSecret}, "`kubectl ck8sargo secrets seal`"},
		{fix.Fix{Op: fix.WireValuesFile}, "`kubectl ck8sargo secrets wire APP.yaml --values-file '$REF/PATH'`"},
		{fix.Fix{Op: fix.DiscoverProfile}, "`kubectl ck8sargo profile discover`"},
		{fix.Fix{Op: fix.GiveIdentity}, "pass it with `--identity FILE`"},
		{fix.Fix{Op: fix.RaiseFileLimit}, "`--max-file-size`"},
		{fix.Fix{Op: fix.GiveRepository}, "pass `--repo-root` and `--repo-url`"},
		{fix.Fix{}, ""},
	} {
		t.Run(string(tc.fix.Op), func(t *testing.T) {
			assert.Equal(t, tc.want, fixHint(tc.fix))
		})
	}
}

func TestWithFixHintGoesBeforeTheClosingPeriod(t *testing.T) {
	f := fix.Fix{Op: fix.SealSecret}
	assert.Equal(t, "Seal it again (`kubectl ck8sargo secrets seal`).", withFixHint("Seal it again.", f))
	assert.Equal(t, "seal it (`kubectl ck8sargo secrets seal`)", withFixHint("seal it", f), "the scanner's remediations have no period")
	assert.Equal(t, "Seal it again.", withFixHint("Seal it again.", fix.Fix{}), "no fix, no hint")
	assert.Empty(t, withFixHint("", f), "no remediation, no hint")
}

func TestHintFindingsHintsEachFindingOnce(t *testing.T) {
	fs := []policy.Finding{{Remediation: "Create it.", Fix: fix.Fix{Op: fix.CreateNamespace, Subject: "shop"}}, {Remediation: "Fix it."}}
	hintFindings(fs)
	hintFindings(fs)
	assert.Equal(t, "Create it (`kubectl ck8sargo namespace create shop --parent PARENT --wait`).", fs[0].Remediation)
	assert.Equal(t, "Fix it.", fs[1].Remediation)

	sf := []scan.Finding{{Remediation: "encrypt it", Fix: fix.Fix{Op: fix.EncryptFile, Subject: "s.yaml"}}}
	hintScanFindings(sf)
	assert.Equal(t, "encrypt it (`kubectl ck8sargo secrets encrypt --in-place s.yaml`)", sf[0].Remediation)
}

// The rules say what to do in words; the plugin's commands come only from their Fix.
func TestBuiltinRulesNameNoPluginCommandUntilHinted(t *testing.T) {
	all := rules.Builtin()
	hinted := hintRules(all)
	withFix := 0
	for i, r := range all {
		for _, text := range []string{r.Title, r.Rationale, r.Remediation} {
			assert.NotContains(t, text, "kubectl ck8sargo", r.ID)
		}
		if !r.Fix.IsZero() {
			withFix++
			assert.Contains(t, hinted[i].Remediation, fixHint(r.Fix), r.ID)
		}
	}
	assert.Positive(t, withFix)
}
