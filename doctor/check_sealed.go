package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

var sealedSecretsCheck = Check{
	Name:    "sealed-secrets",
	Summary: "the controller answers, its certificate is valid, and every SealedSecret can be unsealed",
	Run:     runSealedSecrets,
}

var sealedSecretsGVR = ssv1alpha1.SchemeGroupVersion.WithResource("sealedsecrets")

func runSealedSecrets(ctx context.Context, r *Env) (string, bool) {
	p := r.Options.Profile
	f := p.Features.SealedSecrets
	if !f.Enabled {
		return "SealedSecrets is not enabled in the profile", true
	}
	svc := policy.ObjectRef{APIVersion: "v1", Kind: "Service", Namespace: f.ControllerNamespace, Name: f.ControllerName}
	ctrl := sealed.NewServiceProxy(r.Clients, p)
	pem, err := ctrl.Certificate(ctx)
	if err != nil {
		r.add(policy.Finding{Rule: RuleSealedSecretsController, Severity: policy.SeverityError, Object: svc,
			Message:     fmt.Sprintf("the sealed-secrets controller does not answer: %v", err),
			Remediation: "check the controller's namespace and name in the profile (features.sealedSecrets), and that the controller runs"})
		return "controller not reachable", false
	}
	_, certErr := sealed.ParseCertificate(pem, r.Now)
	if err := certErr; err != nil {
		r.add(policy.Finding{Rule: RuleSealedSecretsCertificate, Severity: policy.SeverityError, Object: svc,
			Message:     fmt.Sprintf("the controller's certificate cannot be used: %v", err),
			Remediation: "ask whoever runs the controller to renew its sealing key"})
	}
	var checked, stale, unverified int
	var unlisted []string
	for _, ns := range p.Namespaces.Managed {
		list, err := r.Clients.Dynamic.Resource(sealedSecretsGVR).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			unlisted = append(unlisted, ns)
			r.add(policy.Finding{Rule: RuleSealedSecretsList, Severity: policy.SeverityWarning,
				Object:  policy.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: ns},
				Message: "cannot list SealedSecrets: " + r.Clients.Explain(err, "list", sealedSecretsGVR, ns, "").Error()})
			continue
		}
		for i := range list.Items {
			u := &list.Items[i]
			data, err := u.MarshalJSON()
			ss := &ssv1alpha1.SealedSecret{}
			if err == nil {
				err = json.Unmarshal(data, ss)
			}
			ref := policy.ObjectRef{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: ns, Name: u.GetName()}
			checked++
			if err != nil {
				unverified++
				r.add(policy.Finding{Rule: RuleSealedSecretsStale, Severity: policy.SeverityError, Object: ref, Message: "cannot read the SealedSecret: " + err.Error()})
				continue
			}
			res, err := sealed.Verify(ctx, ctrl, ss)
			switch {
			case err != nil:
				unverified++
				r.add(policy.Finding{Rule: RuleSealedSecretsStale, Severity: policy.SeverityWarning, Object: ref, Message: "cannot verify: " + err.Error()})
			case !res.Decryptable:
				stale++
				r.add(policy.Finding{Rule: RuleSealedSecretsStale, Severity: policy.SeverityError, Object: ref,
					Message:     "the controller cannot unseal it: it was sealed for a key the controller does not have, or for another name or namespace",
					Remediation: string(RemedyReseal)})
			}
		}
	}
	return sealedDetail(certErr, checked, stale, unverified, unlisted), false
}

// sealedDetail says what the check saw, failures first, so that a check with problems
// never reads like one without: "1 of 3 SealedSecrets cannot be unsealed", "SealedSecrets
// of shop-web not readable".
func sealedDetail(certErr error, checked, stale, unverified int, unlisted []string) string {
	parts := []string{"controller answers"}
	if certErr != nil {
		parts = append(parts, "its certificate cannot be used")
	}
	switch {
	case checked == 0 && len(unlisted) == 0:
		parts = append(parts, "no SealedSecrets in the managed namespaces")
	case checked == 0:
	case stale == 0 && unverified == 0 && checked == 1:
		parts = append(parts, "the one SealedSecret can be unsealed")
	case stale == 0 && unverified == 0:
		parts = append(parts, fmt.Sprintf("all %d SealedSecrets can be unsealed", checked))
	default:
		if stale > 0 {
			parts = append(parts, fmt.Sprintf("%d of %s cannot be unsealed", stale, plural(checked, "SealedSecret")))
		}
		if unverified > 0 {
			parts = append(parts, fmt.Sprintf("%d of %s could not be verified", unverified, plural(checked, "SealedSecret")))
		}
	}
	if len(unlisted) > 0 {
		parts = append(parts, "SealedSecrets of "+strings.Join(unlisted, ", ")+" not readable")
	}
	return strings.Join(parts, "; ")
}

// plural is "1 thing" or "n things".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
