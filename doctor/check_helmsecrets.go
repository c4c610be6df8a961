package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/secrets"
	"github.com/ck8sargo/ck8sargo/secrets/scan"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

var helmSecretsCheck = Check{
	Name:    "helm-secrets",
	Summary: "the helm-secrets key Secret is complete, usable, and the repo server runs with it",
	Run:     runHelmSecrets,
}

func secretRef(ns, name string) policy.ObjectRef {
	return policy.ObjectRef{APIVersion: "v1", Kind: "Secret", Namespace: ns, Name: name}
}

// platformSecret reads a Secret of the Argo CD namespace that a feature needs. A missing
// Secret is an error finding saying why it matters and how to create it; one the user may
// not read is a warning. Both return a nil Secret and the check's detail line.
func (r *Env) platformSecret(ctx context.Context, rule string, ref policy.ObjectRef, why, remedy string) (*corev1.Secret, string) {
	s, err := r.Clients.Kube.CoreV1().Secrets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		r.add(policy.Finding{Rule: rule, Severity: policy.SeverityError, Object: ref,
			Message:     fmt.Sprintf("Secret %s/%s does not exist: %s", ref.Namespace, ref.Name, why),
			Remediation: remedy})
		return nil, fmt.Sprintf("Secret %s missing", ref.Name)
	}
	if err != nil {
		r.add(policy.Finding{Rule: rule, Severity: policy.SeverityWarning, Object: ref,
			Message: fmt.Sprintf("cannot read Secret %s/%s: %v", ref.Namespace, ref.Name, r.Clients.Explain(err, "get", secretsGVR, ref.Namespace, ref.Name))})
		return nil, fmt.Sprintf("Secret %s not readable", ref.Name)
	}
	return s, ""
}

func runHelmSecrets(ctx context.Context, r *Env) (string, bool) {
	p := r.Options.Profile
	f := p.Features.HelmSecrets
	if !f.Enabled {
		return "helm-secrets is not enabled in the profile", true
	}
	ns := p.ArgoCD.Namespace
	ref := secretRef(ns, f.KeySecretName)
	s, detail := r.platformSecret(ctx, RuleHelmSecretsKey, ref,
		"the repo server cannot start while helm-secrets is enabled",
		string(RemedyCreateKeySecret))
	if s == nil {
		return detail, false
	}
	if label := s.Labels[argocdmanaged.SecretTypeLabel]; !p.IsHelmSecretsKeyLabel(label) {
		r.add(policy.Finding{Rule: RuleHelmSecretsKeyLabel, Severity: policy.SeverityError, Object: ref,
			Message:     fmt.Sprintf("Secret %s/%s has label %s=%q; the platform expects %q", ns, f.KeySecretName, argocdmanaged.SecretTypeLabel, label, f.KeySecretLabel),
			Remediation: string(RemedyLabelKeySecret)})
		r.Fixes = append(r.Fixes, labelFix(r.Clients, RuleHelmSecretsKeyLabel, ref, f.KeySecretLabel))
	}
	key, ok := s.Data[f.KeySecretDataKey]
	if !ok || len(key) == 0 {
		r.add(policy.Finding{Rule: RuleHelmSecretsKey, Severity: policy.SeverityError, Object: ref,
			Message:     fmt.Sprintf("Secret %s/%s has no data key %q: the repo server finds no private key", ns, f.KeySecretName, f.KeySecretDataKey),
			Remediation: string(RemedyRecreateKeySecret)})
		return "key missing from the Secret", false
	}
	keyring := sops.NewKeyring()
	source := fmt.Sprintf("Secret %s/%s", ns, f.KeySecretName)
	if err := keyring.AddIdentity(source, key); err != nil {
		r.add(policy.Finding{Rule: RuleHelmSecretsKey, Severity: policy.SeverityError, Object: ref,
			Message:     fmt.Sprintf("the private key in %s cannot be used: %v", source, err),
			Remediation: string(RemedyNewKey)})
		return "key unusable", false
	}
	detail = "key Secret complete and its key usable"
	if n, failed := r.decryptRepo(ctx, keyring, ref); n > 0 {
		if failed > 0 {
			detail += fmt.Sprintf("; %d of %d sops files of the repository do not decrypt with it", failed, n)
		} else {
			detail += fmt.Sprintf("; all %d sops files of the repository decrypt with it", n)
		}
	}
	st, err := secrets.CheckRepoServer(ctx, r.Clients, p, secrets.CheckRepoServerOptions{Secret: f.KeySecretName})
	switch {
	case err != nil:
		detail += "; the repo server could not be checked"
		r.add(policy.Finding{Rule: RuleHelmSecretsRepoServer, Severity: policy.SeverityWarning, Object: ref,
			Message: "cannot check the repo server: " + err.Error()})
	case !st.Ready:
		detail += "; the repo server is not running and ready"
		r.add(policy.Finding{Rule: RuleHelmSecretsRepoServer, Severity: policy.SeverityError,
			Object:  policy.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: "argocd-repo-server"},
			Message: "the Argo CD repo server is not running and ready", Remediation: st.Advice})
	default:
		detail += "; the repo server is ready"
	}
	return detail, false
}

// decryptRepo decrypts every sops-encrypted file under RepoDir with the live key and
// reports each that fails; it returns how many it tried and how many failed.
func (r *Env) decryptRepo(ctx context.Context, keyring *sops.Keyring, keyRef policy.ObjectRef) (tried, failed int) {
	if r.Options.RepoDir == "" {
		return 0, 0
	}
	client := &sops.Client{Keyring: keyring}
	_ = filepath.WalkDir(r.Options.RepoDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != r.Options.RepoDir {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // a FIFO or device in the repository would block the read
		}
		data, err := inputfile.Read(path, 16<<20)
		if err != nil || scan.DetectEncryption(data) == scan.Plaintext {
			return nil
		}
		tried++
		if _, err := client.Decrypt(ctx, path, data); err != nil {
			failed++
			rel, _ := filepath.Rel(r.Options.RepoDir, path)
			r.add(policy.Finding{Rule: RuleHelmSecretsDecrypt, Severity: policy.SeverityError, Object: keyRef, File: rel,
				Message:     fmt.Sprintf("%s does not decrypt with the key the repo server has: %v", rel, err),
				Remediation: string(RemedyUpdateKeys)})
		}
		return nil
	})
	return tried, failed
}

// labelFix sets the secret-type label on a Secret with a merge patch.
func labelFix(c *argocdmanaged.Clients, rule string, ref policy.ObjectRef, value string) Fix {
	return Fix{
		Rule: rule, Object: ref,
		Description: fmt.Sprintf("label Secret %s/%s with %s=%s", ref.Namespace, ref.Name, argocdmanaged.SecretTypeLabel, value),
		apply: func(ctx context.Context) error {
			patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, argocdmanaged.SecretTypeLabel, value)
			_, err := c.Kube.CoreV1().Secrets(ref.Namespace).Patch(ctx, ref.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: c.Manager()})
			return c.Explain(err, "patch", secretsGVR, ref.Namespace, ref.Name)
		},
	}
}

var secretsGVR = corev1.SchemeGroupVersion.WithResource("secrets")
