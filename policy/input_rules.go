package policy

import "github.com/ck8sargo/ck8sargo/policy/fix"

// IDs of the findings the checker itself produces while reading and rendering input.
const (
	// RuleInvalidManifest is a file or document that cannot be read as Kubernetes objects.
	RuleInvalidManifest = "invalid-manifest"
	// RuleRenderFailed is an Application source whose chart or overlay does not render.
	RuleRenderFailed = "render-failed"
	// RuleNotRendered is an Application source that is not in the checked repository.
	RuleNotRendered = "not-rendered"
	// RuleRenderWarning is a warning Helm or kustomize printed while rendering a source.
	RuleRenderWarning = "render-warning"
)

// InputRules are the rules behind the findings that the checker produces itself. The
// checker registers them when the configured rules do not, so their findings always have
// metadata; rules.Builtin lists them first.
func InputRules() []Rule {
	return []Rule{
		{
			ID:       RuleInvalidManifest,
			Severity: SeverityError,
			Title:    "A file or document cannot be read as Kubernetes objects",
			Rationale: "Argo CD refuses to sync an Application when one of its manifests is not valid " +
				"YAML or JSON, is not an object, or is not a text file; the whole Application then " +
				"stays out of sync. Every other file is still checked.",
			Remediation: "Fix the YAML at the line given, or move files that are not manifests out of the checked paths (or list them in policy.ignorePaths).",
		},
		{
			ID:       RuleRenderFailed,
			Severity: SeverityError,
			Title:    "An Application's Helm chart or Kustomize overlay does not render",
			Rationale: "Argo CD renders the source of an Application in its repo server; when the " +
				"chart or overlay fails there, the Application shows ComparisonError and nothing " +
				"is deployed.",
			Remediation: "Run `helm template` or `kustomize build` on the source with the Application's values and fix the error shown.",
		},
		{
			ID:       RuleNotRendered,
			Severity: SeverityInfo,
			Title:    "An Application's source is not in the checked repository, so what it deploys is not checked",
			Rationale: "Only sources in the repository being checked can be rendered offline; objects " +
				"that a chart from a Helm repository or another git repository deploys are not " +
				"seen by this check.",
			Remediation: "Check the other repository too, or give this repository's root and URL when the source is in this one.",
			Fix:         fix.Fix{Op: fix.GiveRepository},
		},
		{
			ID:       RuleRenderWarning,
			Severity: SeverityInfo,
			Title:    "Helm or kustomize warned while rendering an Application's source",
			Rationale: "Helm and kustomize print warnings as they render: a kustomization field " +
				"that is deprecated (vars), requirements.yaml in an apiVersion v2 chart, a value " +
				"that Helm ignores because it would replace a table with a scalar, a dependency " +
				"condition that is not a boolean. The check reports each on the Application instead " +
				"of letting the libraries print it to the terminal; what it warns about may stop " +
				"working in a later Helm or kustomize.",
			Remediation: "Do what the warning says (for kustomize, `kustomize edit fix` rewrites deprecated fields), or raise its severity in the profile's policy.severity to fail on it.",
		},
		admissionPolicyRule,
	}
}
