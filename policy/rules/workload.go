package rules

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/policy"
)

// The workload safeguards are the platform's admission chain (package admission): the
// checker runs it once over all objects, and these rules report its verdicts. Each
// safeguard rule stands for the constraint kinds of the platform's templates (the
// built-in ones, and the same kinds in a snapshot or the cluster); constraints of other
// kinds are the gatekeeper rule's, Pod Security's checks the pod-security-restricted
// rule's. Their messages are the constraints' own.

// safeguardKinds maps the constraint kinds of the platform's safeguards to the rule IDs
// that report them.
var safeguardKinds = map[string]string{
	admission.KindResourceRequests:     "resource-requests",
	"K8sRequiredResources":             "resource-requests",
	admission.KindDisallowedTags:       "disallowed-image-tag",
	admission.KindAllowedRepos:         "image-registry",
	admission.KindMinimumReplicas:      "minimum-replicas",
	admission.KindRequireNetworkPolicy: "network-policy",
	admission.KindPodDisruptionBudget:  "pdb-allows-disruption",
	"K8sRestrictPodDisruptionBudgets":  "pdb-allows-disruption",
	admission.KindRejectLoadBalancer:   "no-load-balancer",
	"K8sRejectLoadBalancer":            "no-load-balancer",
	admission.KindDisallowLocalhostSec: "no-localhost-seccomp",
}

// SafeguardRule returns the rule ID that reports a constraint kind's verdicts: a
// safeguard's stable ID, or "" for the gatekeeper rule (gatekeeper/<kind>).
func SafeguardRule(constraintKind string) string { return safeguardKinds[constraintKind] }

// chainViolations turns the chain's verdicts on an object that pass keep into violations.
// ruleOverride names the finding's own ID (gatekeeper/<kind>, pod-security/<check>) for
// the family rules.
func chainViolations(c *policy.Context, o *policy.Object, keep func(v policy.AdmissionVerdict) bool, override bool) []policy.Violation {
	return chainViolationsFix(c, o, keep, override, "")
}

// chainViolationsFix is chainViolations with a remediation for findings whose own ID is
// not a registered rule (gatekeeper/<kind> of the environment's constraints).
func chainViolationsFix(c *policy.Context, o *policy.Object, keep func(v policy.AdmissionVerdict) bool, override bool, fix string) []policy.Violation {
	var out []policy.Violation
	for _, v := range c.Admission(o) {
		if !keep(v) {
			continue
		}
		pv := policy.Violation{Message: v.Message, Field: v.Field, Severity: v.Severity, Remediation: fix}
		if override {
			pv.Rule = v.Rule
		}
		out = append(out, pv)
	}
	return out
}

func safeguard(id string) func(c *policy.Context, o *policy.Object) []policy.Violation {
	return func(c *policy.Context, o *policy.Object) []policy.Violation {
		return chainViolations(c, o, func(v policy.AdmissionVerdict) bool {
			kind, ok := strings.CutPrefix(v.Rule, admission.RulePrefixGatekeeper)
			return ok && safeguardKinds[kind] == id
		}, false)
	}
}

var resourceRequests = policy.Rule{
	ID:       "resource-requests",
	Severity: policy.SeverityError,
	Title:    "A container has no cpu or memory request",
	Rationale: "The platform's admission policy (Gatekeeper constraint K8sResourceRequests, deny) " +
		"denies Pods whose containers do not request cpu and memory: requests let the " +
		"scheduler place Pods so that a node failure or a rolling node reboot does not " +
		"starve the application.",
	Remediation:  "Set resources.requests.cpu and resources.requests.memory on every container.",
	PodTemplates: true,
	Check:        safeguard("resource-requests"),
}

var disallowedImageTag = policy.Rule{
	ID:       "disallowed-image-tag",
	Severity: policy.SeverityError,
	Title:    "An image has the tag latest or no tag",
	Rationale: "The platform's admission policy (K8sDisallowedTags, deny) denies the latest tag: " +
		"a moving tag makes deployments unreproducible and rollbacks impossible. No tag means " +
		"latest. A digest pins the image and is fine.",
	Remediation:  "Use a fixed version tag or a digest (image@sha256:...).",
	PodTemplates: true,
	Check:        safeguard("disallowed-image-tag"),
}

var imageRegistry = policy.Rule{
	ID:       "image-registry",
	Severity: policy.SeverityWarning,
	Title:    "An image is not from the environment's allowed registries",
	Rationale: "The platform warns (K8sAllowedRepos, warn) about images from registries other " +
		"than the environment's own (Harbor), where images are scanned for vulnerabilities. " +
		"The built-in defaults check it only when the profile lists registries; a snapshot " +
		"or the cluster carries the environment's own list.",
	Remediation:  "Push the image to one of the allowed registries and use it from there.",
	PodTemplates: true,
	Check:        safeguard("image-registry"),
}

var minimumReplicas = policy.Rule{
	ID:       "minimum-replicas",
	Severity: policy.SeverityWarning,
	Title:    "A Deployment or StatefulSet has fewer than 2 replicas",
	Rationale: "The platform warns (K8sMinimumReplicas, warn) about single-replica workloads: " +
		"with one replica, every node reboot or rolling update is downtime. The go-live " +
		"checklist asks for at least two replicas.",
	Remediation: "Set spec.replicas to 2 or more, or annotate the object with " + admission.MinimumReplicasAnnotation + " when one replica is intended.",
	Kinds:       []schema.GroupKind{{Group: "apps", Kind: "Deployment"}, {Group: "apps", Kind: "StatefulSet"}},
	Check:       safeguard("minimum-replicas"),
}

var networkPolicy = policy.Rule{
	ID:       "network-policy",
	Severity: policy.SeverityWarning,
	Title:    "Pods are not selected by any NetworkPolicy of their namespace",
	Rationale: "The platform warns (K8sRequireNetworkPolicy, warn) about Pods that no " +
		"NetworkPolicy selects: without one, a compromised Pod can reach, and be reached " +
		"from, everything in the cluster. Checked against the NetworkPolicies in the input " +
		"(data.inventory), and the cluster's when live.",
	Remediation:  "Add a NetworkPolicy in the same namespace whose podSelector selects these Pods and allows only the traffic they need.",
	PodTemplates: true,
	Check:        safeguard("network-policy"),
}

var pdbAllowsDisruption = policy.Rule{
	ID:       "pdb-allows-disruption",
	Severity: policy.SeverityError,
	Title:    "A PodDisruptionBudget allows no disruption",
	Rationale: "The platform's admission policy denies PodDisruptionBudgets that allow no " +
		"voluntary disruption: they block node drains, so the platform cannot patch or " +
		"reboot nodes.",
	Remediation: "Allow at least one disruption: maxUnavailable 1 or more, or minAvailable below the number of replicas.",
	Kinds:       []schema.GroupKind{{Group: "policy", Kind: "PodDisruptionBudget"}},
	Check:       safeguard("pdb-allows-disruption"),
}

var noLoadBalancer = policy.Rule{
	ID:       "no-load-balancer",
	Severity: policy.SeverityWarning,
	Title:    "A Service has type LoadBalancer",
	Rationale: "Where the platform enables it, its admission policy rejects LoadBalancer " +
		"Services: traffic enters through the platform's Ingress controller, which terminates " +
		"TLS and is monitored. Each LoadBalancer is also a cost and an exposed address. The " +
		"built-in defaults warn; a snapshot or the cluster says whether it is enforced.",
	Remediation: "Use a ClusterIP Service behind an Ingress.",
	Kinds:       []schema.GroupKind{{Kind: "Service"}},
	Check:       safeguard("no-load-balancer"),
}

var noLocalhostSeccomp = policy.Rule{
	ID:       "no-localhost-seccomp",
	Severity: policy.SeverityError,
	Title:    "A Pod uses a Localhost seccomp profile",
	Rationale: "The platform's admission policy denies Localhost seccomp profiles: they name " +
		"files on the node, which application developers do not control.",
	Remediation:  "Use seccompProfile.type RuntimeDefault.",
	PodTemplates: true,
	Check:        safeguard("no-localhost-seccomp"),
}
