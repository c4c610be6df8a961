package doctor

import (
	"bytes"
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/secrets/vals"
)

var valsCheck = Check{
	Name:    "vals",
	Summary: "the vals-secret has its label, values without trailing newlines, and a complete auth method",
	Run:     runVals,
}

func runVals(ctx context.Context, r *Env) (string, bool) {
	p := r.Options.Profile
	f := p.Features.Vals
	if !f.Enabled {
		return "vals is not enabled in the profile", true
	}
	ns := p.ArgoCD.Namespace
	ref := secretRef(ns, f.SecretName)
	s, detail := r.platformSecret(ctx, RuleValsSecret, ref,
		"the repo server cannot reach Vault",
		string(RemedyCreateValsSecret))
	if s == nil {
		return detail, false
	}
	if s.Labels[argocdmanaged.SecretTypeLabel] != f.SecretLabel {
		r.add(policy.Finding{Rule: RuleValsSecretLabel, Severity: policy.SeverityError, Object: ref,
			Message:     fmt.Sprintf("Secret %s/%s lacks the label %s=%s", ns, f.SecretName, argocdmanaged.SecretTypeLabel, f.SecretLabel),
			Remediation: string(RemedyLabelValsSecret)})
		r.Fixes = append(r.Fixes, labelFix(r.Clients, RuleValsSecretLabel, ref, f.SecretLabel))
	}
	var trailing []string
	for _, k := range vals.DataKeys(s) {
		if bytes.HasSuffix(s.Data[k], []byte("\n")) {
			trailing = append(trailing, k)
		}
	}
	if len(trailing) > 0 {
		r.add(policy.Finding{Rule: RuleValsSecretNewline, Severity: policy.SeverityError, Object: ref,
			Message:     fmt.Sprintf("values %v of Secret %s/%s end with a newline (base64 of `echo` instead of `echo -n`): Vault receives them with it", trailing, ns, f.SecretName),
			Remediation: string(RemedyTrimNewlines)})
		r.Fixes = append(r.Fixes, trimNewlineFix(r.Clients, ref, trailing))
	}
	// The same validation `secrets vals-secret` applies before writing: an incomplete
	// auth method or an address that is not a URL.
	if _, err := vals.BuildSecret(p, optionsFromSecret(s)); err != nil {
		r.add(policy.Finding{Rule: RuleValsSecretSettings, Severity: policy.SeverityError, Object: ref,
			Message:     fmt.Sprintf("Secret %s/%s: %v", ns, f.SecretName, err),
			Remediation: string(RemedyRecreateValsSecret)})
	}
	return "vals-secret checked", false
}

func optionsFromSecret(s *corev1.Secret) vals.SecretOptions {
	get := func(k string) []byte { return bytes.TrimSuffix(s.Data[k], []byte("\n")) }
	method, _ := vals.ParseAuthMethod(string(get("VAULT_AUTH_METHOD")))
	return vals.SecretOptions{
		Addr:           string(get("VAULT_ADDR")),
		VaultNamespace: string(get("VAULT_NAMESPACE")),
		AuthMethod:     method,
		Token:          vals.Value{Data: get("VAULT_TOKEN"), Source: "data key VAULT_TOKEN"},
		RoleID:         vals.Value{Data: get("VAULT_ROLE_ID"), Source: "data key VAULT_ROLE_ID"},
		SecretID:       vals.Value{Data: get("VAULT_SECRET_ID"), Source: "data key VAULT_SECRET_ID"},
	}
}

func trimNewlineFix(c *argocdmanaged.Clients, ref policy.ObjectRef, keys []string) Fix {
	return Fix{
		Rule: RuleValsSecretNewline, Object: ref,
		Description: fmt.Sprintf("rewrite %v of Secret %s/%s without the trailing newline", keys, ref.Namespace, ref.Name),
		apply: func(ctx context.Context) error {
			sc := c.Kube.CoreV1().Secrets(ref.Namespace)
			s, err := sc.Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil {
				return c.Explain(err, "get", secretsGVR, ref.Namespace, ref.Name)
			}
			for _, k := range keys {
				s.Data[k] = bytes.TrimRight(s.Data[k], "\r\n")
			}
			// Update with the resourceVersion read: a concurrent change fails instead of
			// being overwritten.
			_, err = sc.Update(ctx, s, metav1.UpdateOptions{FieldManager: c.Manager()})
			return c.Explain(err, "update", secretsGVR, ref.Namespace, ref.Name)
		},
	}
}
