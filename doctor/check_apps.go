package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

var applicationsCheck = Check{
	Name:    "applications",
	Summary: "the live Applications pass the platform's policy rules and are synced and healthy",
	Run:     runApplications,
}

// namespacedModeMarker is the part of Argo CD's message for a cluster-scoped object in a
// namespaced install that the doctor explains.
const namespacedModeMarker = "can not be managed when in namespaced mode"

func runApplications(ctx context.Context, r *Env) (string, bool) {
	p := r.Options.Profile
	opts := policy.DefaultOptions()
	opts.Profile = p
	opts.Rules = rules.Builtin()
	opts.NoRender = true
	rep, err := policy.Check(ctx, policy.Inputs{Live: r.Clients}, opts)
	if err != nil {
		r.add(policy.Finding{Rule: RuleApplicationsPolicy, Severity: policy.SeverityWarning,
			Object:  policy.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: p.ArgoCD.Namespace},
			Message: "the live Applications could not be checked: " + err.Error()})
	} else {
		r.Findings = append(r.Findings, rep.Findings...)
	}

	apps, _, err := liveArgoObjects(ctx, r.Clients, p)
	if err != nil {
		return "Applications not readable", false
	}
	unhealthy := 0
	for _, a := range apps {
		if r.appStatus(a) {
			unhealthy++
		}
	}
	return fmt.Sprintf("%d Applications checked against the policy rules; %d with sync or health errors", len(apps), unhealthy), false
}

// appStatus reports an Application's error conditions and a failed or degraded state.
func (r *Env) appStatus(a *argocdmanaged.Application) bool {
	ref := policy.ObjectRef{APIVersion: argocdmanaged.APIVersion, Kind: argocdmanaged.KindApplication, Namespace: a.Namespace, Name: a.Name}
	st := a.Status
	if st == nil {
		return false
	}
	found := false
	for _, c := range st.Conditions {
		if !strings.HasSuffix(c.Type, "Error") && !strings.HasSuffix(c.Type, "Warning") {
			continue
		}
		f := policy.Finding{Rule: RuleApplicationCondition, Severity: policy.SeverityError, Object: ref, Application: a.Name,
			Message: fmt.Sprintf("%s: %s", c.Type, c.Message)}
		if strings.HasSuffix(c.Type, "Warning") {
			f.Severity = policy.SeverityWarning
		}
		if strings.Contains(c.Message, namespacedModeMarker) {
			f.Rule = RuleApplicationNamespaced
			f.Remediation = string(RemedyNamespacedMode)
		}
		r.add(f)
		found = true
	}
	if op := st.OperationState; op != nil && (op.Phase == "Failed" || op.Phase == "Error") {
		r.add(policy.Finding{Rule: RuleApplicationSync, Severity: policy.SeverityError, Object: ref, Application: a.Name,
			Message: fmt.Sprintf("last sync %s: %s", strings.ToLower(op.Phase), op.Message)})
		found = true
	}
	if h := st.Health.Status; h == "Degraded" || h == "Missing" {
		r.add(policy.Finding{Rule: RuleApplicationHealth, Severity: policy.SeverityWarning, Object: ref, Application: a.Name,
			Message: strings.TrimSpace(fmt.Sprintf("health %s %s", h, st.Health.Message))})
		found = true
	}
	return found
}
