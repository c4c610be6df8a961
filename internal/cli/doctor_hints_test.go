package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/doctor"
	"github.com/ck8sargo/ck8sargo/policy"
)

// The doctor library names no command; the plugin puts its own command in place of each
// remedy, in the report and under each check, and leaves every other remediation alone.
func TestDoctorHintsNameThePluginCommands(t *testing.T) {
	tests := []struct {
		remedy doctor.Remedy
		want   string
	}{
		{doctor.RemedyNamespacedMode, "create namespaces with `kubectl ck8sargo namespace create CHILD --parent PARENT`, and run `kubectl ck8sargo policy check` before committing"},
		{doctor.RemedyExportBackup, "run `kubectl ck8sargo backup export`, and schedule it with `kubectl ck8sargo backup schedule`"},
		{doctor.RemedyCheckBackupSchedule, "check the backup CronJob (`kubectl ck8sargo backup schedule`) or run `kubectl ck8sargo backup export`"},
		{doctor.RemedyCreateKeySecret, "create it with `kubectl ck8sargo secrets key-secret --private-key FILE --apply`"},
		{doctor.RemedyRecreateKeySecret, "re-create it with `kubectl ck8sargo secrets key-secret --private-key FILE --apply`"},
		{doctor.RemedyNewKey, "with `kubectl ck8sargo secrets keygen` and store it with `secrets key-secret`"},
		{doctor.RemedyLabelKeySecret, "let `kubectl ck8sargo doctor --fix` add the label, or re-create the Secret with `secrets key-secret`"},
		{doctor.RemedyUpdateKeys, "run `kubectl ck8sargo secrets updatekeys` on the file"},
		{doctor.RemedyReseal, "seal it again with `kubectl ck8sargo secrets seal` for this name and namespace"},
		{doctor.RemedyCreateValsSecret, "create it with `kubectl ck8sargo secrets vals-secret --addr URL ... --apply`, then ask"},
		{doctor.RemedyLabelValsSecret, "let `kubectl ck8sargo doctor --fix` add the label"},
		{doctor.RemedyTrimNewlines, "let `kubectl ck8sargo doctor --fix` rewrite them without the newline"},
		{doctor.RemedyRecreateValsSecret, "re-create it with `kubectl ck8sargo secrets vals-secret ... --apply`"},
	}
	for _, tt := range tests {
		t.Run(string(tt.remedy), func(t *testing.T) {
			f := policy.Finding{Rule: "r", Remediation: string(tt.remedy)}
			res := &doctor.Result{
				Checks: []doctor.CheckResult{{Name: "c", Status: doctor.StatusProblems, Findings: []policy.Finding{f}}},
				Report: policy.Report{Findings: []policy.Finding{f}},
			}
			doctorHints(res)
			assert.Contains(t, res.Report.Findings[0].Remediation, tt.want)
			assert.Contains(t, res.Checks[0].Findings[0].Remediation, tt.want)
		})
	}

	other := policy.Finding{Rule: "dex-login", Remediation: "open a new browser tab"}
	res := &doctor.Result{
		Checks: []doctor.CheckResult{
			{Name: "backup", Status: doctor.StatusSkipped, Detail: "no backup store configured"},
			{Name: "dex", Status: doctor.StatusProblems, Detail: "last login incomplete", Findings: []policy.Finding{other}},
		},
		Report: policy.Report{Findings: []policy.Finding{other}},
	}
	doctorHints(res)
	assert.Equal(t, "no backup store configured (profile backup.to or --backup-url)", res.Checks[0].Detail, "the plugin names its flag")
	assert.Equal(t, "last login incomplete", res.Checks[1].Detail)
	assert.Equal(t, other, res.Report.Findings[0], "a remediation that is no remedy is left alone")
}

// Every Remedy the doctor declares has the plugin's wording: a new one without it would
// print the library's words where the plugin has a command.
func TestEveryDoctorRemedyHasThePluginsWording(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "../../doctor/remedy.go", nil, 0)
	require.NoError(t, err)
	declared := 0
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || spec.Type == nil || spec.Type.(*ast.Ident).Name != "Remedy" {
			return true
		}
		for _, v := range spec.Values {
			text, err := strconv.Unquote(v.(*ast.BasicLit).Value)
			require.NoError(t, err)
			declared++
			assert.Contains(t, doctorRemedies, doctor.Remedy(text), "%s has no wording in doctorRemedies", spec.Names[0].Name)
		}
		return true
	})
	assert.Equal(t, len(doctorRemedies), declared)
}

// Fails before the fix: the applications check's finding for an unknown rule ID in the
// profile lacked the hint that policy check gives for the same error.
func TestDoctorHintsSendAnUnknownRuleToPolicyRules(t *testing.T) {
	msg := "the live Applications could not be checked: " + (&policy.UnknownRuleError{Setting: "policy.disable", Rule: "no-such-rule"}).Error()
	f := policy.Finding{Rule: doctor.RuleApplicationsPolicy, Message: msg}
	other := policy.Finding{Rule: doctor.RuleApplicationsPolicy, Message: "the live Applications could not be checked: forbidden"}
	res := &doctor.Result{
		Checks: []doctor.CheckResult{{Name: "applications", Status: doctor.StatusProblems, Findings: []policy.Finding{f, other}}},
		Report: policy.Report{Findings: []policy.Finding{f, other}},
	}
	res.Checks[0].Findings = res.Report.Findings // one finding reached twice is hinted once
	doctorHints(res)
	want := "the live Applications could not be checked: policy.disable: unknown rule \"no-such-rule\" (see `kubectl ck8sargo policy rules`)"
	assert.Equal(t, want, res.Report.Findings[0].Message)
	assert.Equal(t, want, res.Checks[0].Findings[0].Message)
	assert.Equal(t, other, res.Report.Findings[1], "another reason is left alone")
}
