package rules

import (
	"strings"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/policy"
)

// IDs of the admission chain's family rules.
const (
	// RulePodSecurity reports Pod Security's verdicts, as pod-security/<check>.
	RulePodSecurity = "pod-security-restricted"
	// RuleGatekeeper reports the verdicts of constraints that are not one of the
	// safeguards, as gatekeeper/<ConstraintKind>.
	RuleGatekeeper = "gatekeeper"
	// RuleAdmissionMutation reports mutations the user must act on.
	RuleAdmissionMutation = "admission-mutation"
)

// FamilyOf returns the rule that reports a finding's rule ID: RulePodSecurity for
// pod-security/*, RuleGatekeeper or the safeguard for gatekeeper/*, the ID otherwise.
func FamilyOf(findingRule string) string {
	if strings.HasPrefix(findingRule, admission.RulePrefixPodSecurity) {
		return RulePodSecurity
	}
	if kind, ok := strings.CutPrefix(findingRule, admission.RulePrefixGatekeeper); ok {
		if id := SafeguardRule(kind); id != "" {
			return id
		}
		return RuleGatekeeper
	}
	return findingRule
}

var podSecurityRestricted = policy.Rule{
	ID:       RulePodSecurity,
	Severity: policy.SeverityError,
	Title:    "Pod Security Admission rejects the Pod after the platform's mutations",
	Rationale: "Application namespaces enforce Pod Security Admission at level restricted (or " +
		"the level of the namespace's pod-security.kubernetes.io/enforce label when live). It " +
		"judges the Pod after Gatekeeper's mutations, with the kube-apiserver's own code " +
		"(k8s.io/pod-security-admission): a Pod it rejects never starts, and a workload's " +
		"ReplicaSet or Job keeps failing to create it. Findings are pod-security/<check>; " +
		"ignoring this ID ignores all of them.",
	Remediation:  "Remove the setting the message names: run as a non-root user, with allowPrivilegeEscalation false, no host namespaces or hostPath volumes, and only NET_BIND_SERVICE added.",
	PodTemplates: true,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		return chainViolations(c, o, func(v policy.AdmissionVerdict) bool {
			return strings.HasPrefix(v.Rule, admission.RulePrefixPodSecurity)
		}, true)
	},
}

const gatekeeperRemediation = "Change the object as the constraint's message says, or ask the Platform Administrator about an exception."

var gatekeeperConstraint = policy.Rule{
	ID:       RuleGatekeeper,
	Severity: policy.SeverityError,
	Title:    "A Gatekeeper constraint of the environment denies or warns about the object",
	Rationale: "Besides the safeguards above, an environment can have more Gatekeeper " +
		"constraints, with its own parameters and exceptions; they exist only in the cluster " +
		"(read live, or from the snapshot " + admission.SnapshotFile + "). Findings are " +
		"gatekeeper/<ConstraintKind> with the constraint's own message; the severity follows " +
		"its enforcementAction (deny error, warn warning, dryrun info).",
	Remediation: gatekeeperRemediation,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		return chainViolationsFix(c, o, func(v policy.AdmissionVerdict) bool {
			kind, ok := strings.CutPrefix(v.Rule, admission.RulePrefixGatekeeper)
			return ok && SafeguardRule(kind) == ""
		}, true, gatekeeperRemediation)
	},
}

var admissionMutation = policy.Rule{
	ID:       RuleAdmissionMutation,
	Severity: policy.SeverityInfo,
	Title:    "The platform's admission changes the Pod in a way the image must allow",
	Rationale: "Gatekeeper mutates Pods on application namespaces before they are validated: it " +
		"drops all capabilities, sets allowPrivilegeEscalation false, a RuntimeDefault seccomp " +
		"profile and runAsNonRoot true where they are missing. So a Pod with no " +
		"securityContext is admitted, but with runAsNonRoot the kubelet refuses an image that " +
		"runs as root (CreateContainerConfigError). The note names each such change.",
	Remediation:  "Make sure the image runs as a non-root user (a numeric USER in the Dockerfile), or set runAsUser to a non-zero id.",
	PodTemplates: true,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		return chainViolations(c, o, func(v policy.AdmissionVerdict) bool { return v.Note }, false)
	},
}

// PodSecurity returns one rule per Pod Security check, for the rule list and the
// severity overrides of the profile: findings carry these IDs, the
// pod-security-restricted rule produces them.
func PodSecurity() []policy.Rule {
	var out []policy.Rule
	for _, pc := range admission.PodSecurityChecks() {
		out = append(out, policy.Rule{
			ID:       admission.RulePrefixPodSecurity + pc.ID,
			Severity: policy.SeverityError,
			Title:    "Pod Security check " + pc.ID + " (level " + pc.Level + ") rejects the Pod",
			Rationale: "One check of Pod Security Admission, run as the kube-apiserver runs it on " +
				"the mutated Pod; see " + RulePodSecurity + ".",
			Remediation:  "Change the field the message names so that the " + pc.Level + " level allows it.",
			PodTemplates: true,
		})
	}
	return out
}
