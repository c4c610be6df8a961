package doctor

import (
	"context"
	"encoding/json"
	"fmt"

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

func runSealedSecrets(ctx context.Context, r *run) (string, bool) {
	p := r.opts.Profile
	f := p.Features.SealedSecrets
	if !f.Enabled {
		return "SealedSecrets is not enabled in the profile", true
	}
	svc := policy.ObjectRef{APIVersion: "v1", Kind: "Service", Namespace: f.ControllerNamespace, Name: f.ControllerName}
	ctrl := sealed.NewServiceProxy(r.c, p)
	pem, err := ctrl.Certificate(ctx)
	if err != nil {
		r.add(policy.Finding{Rule: "sealed-secrets-controller", Severity: policy.SeverityError, Object: svc,
			Message:     fmt.Sprintf("the sealed-secrets controller does not answer: %v", err),
			Remediation: "check the controller's namespace and name in the profile (features.sealedSecrets), and that the controller runs"})
		return "controller not reachable", false
	}
	if _, err := sealed.ParseCertificate(pem, r.now); err != nil {
		r.add(policy.Finding{Rule: "sealed-secrets-certificate", Severity: policy.SeverityError, Object: svc,
			Message:     fmt.Sprintf("the controller's certificate cannot be used: %v", err),
			Remediation: "ask whoever runs the controller to renew its sealing key"})
	}
	checked, stale := 0, 0
	for _, ns := range p.Namespaces.Managed {
		list, err := r.c.Dynamic.Resource(sealedSecretsGVR).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			r.add(policy.Finding{Rule: "sealed-secrets-list", Severity: policy.SeverityWarning,
				Object:  policy.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: ns},
				Message: "cannot list SealedSecrets: " + r.c.Explain(err, "list", sealedSecretsGVR, ns, "").Error()})
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
			if err != nil {
				r.add(policy.Finding{Rule: "sealed-secrets-stale", Severity: policy.SeverityError, Object: ref, Message: "cannot read the SealedSecret: " + err.Error()})
				continue
			}
			checked++
			res, err := sealed.Verify(ctx, ctrl, ss)
			switch {
			case err != nil:
				r.add(policy.Finding{Rule: "sealed-secrets-stale", Severity: policy.SeverityWarning, Object: ref, Message: "cannot verify: " + err.Error()})
			case !res.Decryptable:
				stale++
				r.add(policy.Finding{Rule: "sealed-secrets-stale", Severity: policy.SeverityError, Object: ref,
					Message:     "the controller cannot unseal it: it was sealed for a key the controller does not have, or for another name or namespace",
					Remediation: "seal it again with `kubectl ck8sargo secrets seal` for this name and namespace"})
			}
		}
	}
	return fmt.Sprintf("controller answers; %d SealedSecrets checked, %d cannot be unsealed", checked, stale), false
}
