package rules

import (
	"errors"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/secrets/wire"
)

// helmSecretsValuesRef flags secrets://$ref/... (and the import forms with ?$ref/...):
// Argo CD resolves a $ref only at the start of a value file, and hands a URL such as
// secrets://$values/x.yaml to Helm as it is, so helm-secrets looks for a file literally
// named $values/x.yaml and the rendering fails.
var helmSecretsValuesRef = policy.Rule{
	ID:       "helm-secrets-values-ref",
	Severity: policy.SeverityError,
	Title:    "A helm-secrets value file names a $ref source, which Argo CD does not resolve there",
	Rationale: "In a multi-source Application Argo CD replaces $REF by the checkout of the " +
		"source with that ref only when the value file starts with it. secrets://$REF/FILE " +
		"starts with the scheme, so Argo CD passes it to Helm unchanged and helm-secrets looks " +
		"for a file named $REF/FILE in the chart directory: the rendering fails with \"File " +
		"does not exist\" (argoproj/argo-cd#11866; helm-secrets' Argo CD integration guide).",
	Remediation: "Keep the encrypted file in the chart's repository, or the value in Vault with a vals reference; or, when the " +
		"file is in the chart's own Git repository at the same revision, write it relative to the chart, the form that " +
		"wiring the value file into the Application writes.",
	Fix:   fix.Fix{Op: fix.WireValuesFile},
	Kinds: argoApps,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		return checkHelmRefs(o, func(s *appSpec, r helmRef) []policy.Violation {
			if !isHelmSecretsRef(r.value) {
				return nil
			}
			file, _ := helmSecretsFile(r.value)
			if !strings.HasPrefix(file, "$") {
				return nil
			}
			name, _, _ := strings.Cut(file[1:], "/")
			v := violation(r.field, "%s: Argo CD resolves $%s only at the start of a value file, so helm-secrets is given the path %s as it is and the rendering fails (%s)",
				r.value, name, file, wire.Issue11866)
			v.Remediation = refRemediation(file, s.spec.AllSources(), r.src)
			return []policy.Violation{v}
		})
	},
}

// refRemediation is the form wire would write for file, or why there is none.
func refRemediation(file string, sources []*argocdmanaged.ApplicationSource, src *argocdmanaged.ApplicationSource) string {
	i := -1
	for j, s := range sources {
		if s == src {
			i = j
		}
	}
	res, err := wire.ResolveSecretsFile(file, sources, i)
	var ue *wire.UnresolvableError
	switch {
	case err == nil:
		m := sprintf("Write it as %s (the same file, relative to the chart).", res.Entry)
		if res.Note != "" {
			m += " Note: " + res.Note + "."
		}
		return m
	case errors.As(err, &ue):
		return sprintf("No value file form of it is decrypted: %s. Instead, %s.", ue.Reason, ue.Alternatives())
	}
	// An unknown $ref: Argo CD fails on it before helm-secrets is reached.
	return sprintf("Fix the reference: %s.", err)
}
