package cli

import (
	"strings"

	"github.com/ck8sargo/ck8sargo/doctor"
	"github.com/ck8sargo/ck8sargo/policy"
)

// doctorRemedies are the plugin's wording of the doctor's remedies: the command of this
// plugin that carries each out. The library says what to do in words (it names no command).
var doctorRemedies = map[doctor.Remedy]string{
	doctor.RemedyNamespacedMode:      "Argo CD runs in namespaced mode here and may not manage cluster-scoped objects such as Namespaces: remove them from the source (and CreateNamespace=true from syncOptions); create namespaces with `kubectl ck8sargo namespace create CHILD --parent PARENT`, and run `kubectl ck8sargo policy check` before committing",
	doctor.RemedyExportBackup:        "run `kubectl ck8sargo backup export`, and schedule it with `kubectl ck8sargo backup schedule`",
	doctor.RemedyCheckBackupSchedule: "check the backup CronJob (`kubectl ck8sargo backup schedule`) or run `kubectl ck8sargo backup export`",
	doctor.RemedyCreateKeySecret:     "create it with `kubectl ck8sargo secrets key-secret --private-key FILE --apply`",
	doctor.RemedyRecreateKeySecret:   "re-create it with `kubectl ck8sargo secrets key-secret --private-key FILE --apply`",
	doctor.RemedyNewKey:              "generate a key without passphrase with `kubectl ck8sargo secrets keygen` and store it with `secrets key-secret`",
	doctor.RemedyLabelKeySecret:      "let `kubectl ck8sargo doctor --fix` add the label, or re-create the Secret with `secrets key-secret`",
	doctor.RemedyUpdateKeys:          "add the key's recipient to .sops.yaml and run `kubectl ck8sargo secrets updatekeys` on the file",
	doctor.RemedyReseal:              "seal it again with `kubectl ck8sargo secrets seal` for this name and namespace",
	doctor.RemedyCreateValsSecret:    "create it with `kubectl ck8sargo secrets vals-secret --addr URL ... --apply`, then ask the Platform Administrator to restart the repo server",
	doctor.RemedyLabelValsSecret:     "let `kubectl ck8sargo doctor --fix` add the label",
	doctor.RemedyTrimNewlines:        "let `kubectl ck8sargo doctor --fix` rewrite them without the newline, then ask the Platform Administrator to restart the repo server",
	doctor.RemedyRecreateValsSecret:  "re-create it with `kubectl ck8sargo secrets vals-secret ... --apply`",
}

// noBackupStoreDetail is the backup check's detail when it is skipped: the only reason it
// skips is that no store is configured, which the plugin's --backup-url gives.
const noBackupStoreDetail = "no backup store configured (profile backup.to or --backup-url)"

// unknownRuleMarker is the part of a policy.UnknownRuleError's message before the rule ID.
// The doctor passes the error of policy.Check on as the message of an applications-policy
// finding, so the message is all the plugin sees of it.
var unknownRuleMarker = strings.TrimSuffix((&policy.UnknownRuleError{}).Error(), `"`)

// doctorHints rewrites, in place, the doctor's remedies and the backup check's skip detail
// in the plugin's words, in the report and in each check's findings. A finding that the
// live Applications could not be checked for an unknown rule ID gets the hint policy check
// gives for it.
func doctorHints(res *doctor.Result) {
	hint := func(fs []policy.Finding) {
		hintFindings(fs)
		for i := range fs {
			if h, ok := doctorRemedies[doctor.Remedy(fs[i].Remediation)]; ok {
				fs[i].Remediation = h
			}
			if m := fs[i].Message; fs[i].Rule == doctor.RuleApplicationsPolicy && strings.Contains(m, unknownRuleMarker) && !strings.Contains(m, policyRulesHint) {
				fs[i].Message = withHint(m, policyRulesHint)
			}
		}
	}
	hint(res.Report.Findings)
	for i := range res.Checks {
		c := &res.Checks[i]
		hint(c.Findings)
		if c.Name == "backup" && c.Status == doctor.StatusSkipped {
			c.Detail = noBackupStoreDetail
		}
	}
}
