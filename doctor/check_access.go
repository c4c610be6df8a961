package doctor

import (
	"context"
	"errors"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
)

var accessCheck = Check{
	Name:    "access",
	Summary: "Argo CD's API is visible and you have the rights the platform gives developers",
	Run:     runAccess,
}

func runAccess(ctx context.Context, r *Env) (string, bool) {
	p := r.Options.Profile
	ns := p.ArgoCD.Namespace
	argoNS := policy.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: ns}
	_, err := r.Clients.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).List(ctx, metav1.ListOptions{Limit: 1})
	err = r.Clients.Explain(err, "list", argocdmanaged.ApplicationsResource, ns, "")
	var fe *argocdmanaged.ForbiddenError
	switch {
	case errors.Is(err, argocdmanaged.ErrArgoCDNotInstalled):
		r.add(policy.Finding{
			Rule: RuleArgoCDAPI, Severity: policy.SeverityError, Object: argoNS,
			Message:     "the argoproj.io API is not visible: Argo CD is not installed, or not visible to you",
			Remediation: "check the kubeconfig context; ask the Platform Administrator whether managed Argo CD is enabled for this environment",
		})
		return "Argo CD API not found", false
	case errors.As(err, &fe):
		// Reported below with the other missing rights.
	case err != nil:
		r.add(policy.Finding{Rule: RuleArgoCDAPI, Severity: policy.SeverityError, Object: argoNS, Message: err.Error()})
		return "could not list Applications", false
	}

	rights := p.DeveloperRights()
	var missing []argocdmanaged.Right
	for _, right := range rights {
		ok, err := allowed(ctx, r.Clients, right)
		if err != nil {
			r.add(policy.Finding{Rule: RuleAccessReview, Severity: policy.SeverityWarning, Object: argoNS,
				Message:     "could not ask the API server which rights you have: " + err.Error(),
				Remediation: "run the doctor with an identity that may create SelfSubjectAccessReviews (every authenticated user may, by default)"})
			return "rights not checked", false
		}
		if !ok {
			missing = append(missing, right)
		}
	}
	for _, m := range missing {
		r.add(policy.Finding{
			Rule: RuleMissingPermission, Severity: policy.SeverityWarning, Object: argoNS,
			Message:     fmt.Sprintf("you may not %s, which the platform gives developers to %s", m, m.Why),
			Remediation: fmt.Sprintf("ask the Platform Administrator for the right to %s", m),
		})
	}
	return fmt.Sprintf("%d of %d documented developer rights held in %s", len(rights)-len(missing), len(rights), ns), false
}

func allowed(ctx context.Context, c *argocdmanaged.Clients, r argocdmanaged.Right) (bool, error) {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: r.Namespace, Verb: r.Verb, Group: r.Group, Resource: r.Resource, Name: r.Name,
		},
	}}
	got, err := c.Kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return got.Status.Allowed, nil
}
