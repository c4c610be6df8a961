package rules

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// maxValueFileSize bounds the value files the secrets rules read, as policy's default file
// limit bounds manifests.
const maxValueFileSize = 16 << 20

var plaintextSecret = policy.Rule{
	ID:       "plaintext-secret",
	Severity: policy.SeverityError,
	Title:    "A Secret with data or stringData is in a file that is not sops-encrypted",
	Rationale: "Secret values must never be stored in plaintext in a repository. Argo CD " +
		"deploys what is in git, so a Secret manifest with data is readable by everyone who " +
		"can read the repository, forever (history keeps it). This is the same check as " +
		"the secrets scan's.",
	Remediation: "Encrypt the file with sops (helm-secrets), replace the Secret with a SealedSecret, or move the values to Vault and reference them with vals; then rotate the exposed values.",
	Kinds:       []schema.GroupKind{{Kind: "Secret"}},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		// Helm renders Secrets from values, which may come from an encrypted secrets://
		// file; the values files themselves are checked by unencrypted-secrets-file.
		if o.RenderedBy == "helm" {
			return nil
		}
		if isRepositorySecret(o) {
			return repositoryCredentials(o)
		}
		doc, _ := o.Document()
		var out []policy.Violation
		for _, f := range scan.PlaintextSecrets(o.File, doc) {
			// f.Key is the field (data or stringData); its line is found in our document.
			out = append(out, policy.Violation{Message: f.Message, Field: f.Key})
		}
		return out
	},
}

// repositorySecretTypes are the SecretTypeLabel values of Argo CD's repository and
// repository credential Secrets, which are settings as much as secrets.
var repositorySecretTypes = []string{
	argocdmanaged.SecretTypeRepository, argocdmanaged.SecretTypeRepoCreds,
	argocdmanaged.SecretTypeRepositoryWrite, argocdmanaged.SecretTypeRepoWriteCreds,
}

// repositorySettingKeys are the keys of a repository Secret that Argo CD reads as settings
// (util/db/repository_secrets.go of Argo CD v3.5): none of them is a credential. Every
// other key (password, sshPrivateKey, tlsClientCertKey, githubAppPrivateKey,
// bearerToken, gcpServiceAccountKey, azureServicePrincipalClientSecret, the key of a
// helm-secrets key Secret that still carries the legacy "repository" label, a key this
// list does not know) is treated as one.
var repositorySettingKeys = []string{
	"url", "name", "type", "project", "enableOCI", "insecure", "insecureOCIForceHttp",
	"enableLfs", "proxy", "noProxy", "forceHttpBasicAuth", "username", "tlsClientCertData",
	"githubAppID", "githubAppInstallationID", "githubAppEnterpriseBaseUrl",
	"azureServicePrincipalClientId", "azureServicePrincipalClientID",
	"azureServicePrincipalTenantId", "azureServicePrincipalTenantID",
	"azureActiveDirectoryEndpoint", "useAzureWorkloadIdentity", "depth",
}

func isRepositorySecret(o *policy.Object) bool {
	return slices.Contains(repositorySecretTypes, o.Labels()[argocdmanaged.SecretTypeLabel])
}

// repositoryCredentials reports the credentials in plaintext of a repository Secret: a
// Secret that only says where a repository is (url, type, project, enableOCI) holds nothing
// secret, as Argo CD's own examples show.
func repositoryCredentials(o *policy.Object) []policy.Violation {
	var out []policy.Violation
	for _, field := range []string{"data", "stringData"} {
		var keys []string
		for k, v := range o.Map(field) {
			s, ok := v.(string)
			if !ok || s == "" || scan.IsEncryptedValue(s) || strings.Contains(s, "{{") || slices.Contains(repositorySettingKeys, k) {
				continue
			}
			keys = append(keys, k)
		}
		if len(keys) == 0 {
			continue
		}
		slices.Sort(keys)
		name := o.Name
		if o.Namespace != "" {
			name = o.Namespace + "/" + name
		}
		out = append(out, policy.Violation{Field: field,
			Message:     sprintf("Argo CD repository Secret %s has credentials in plaintext in %s (keys: %s); its other keys are settings and may stay in git", name, field, strings.Join(keys, ", ")),
			Remediation: "Keep url, type and project in git, and put the credentials in a SealedSecret or a sops-encrypted file (or create this Secret with kubectl, outside git); then rotate them."})
	}
	return out
}

var unencryptedSecretsFile = policy.Rule{
	ID:       "unencrypted-secrets-file",
	Severity: policy.SeverityError,
	Title:    "A secrets:// value file is not sops-encrypted, or has leaves left in plaintext",
	Rationale: "helm-secrets decides that a file is encrypted by looking for the sops MAC; a " +
		"file without sops metadata is passed to Helm as plaintext, so an unencrypted " +
		"secrets.yaml deploys silently and sits in git in the clear. Leaves that the " +
		"file's .sops.yaml creation rule says must be encrypted must be ENC[...] values. This " +
		"is the same check as the secrets scan's.",
	Remediation: "Encrypt the file with `sops --encrypt --in-place FILE`, commit it, and rotate any value that was committed in plaintext.",
	Fix:         fix.Fix{Op: fix.EncryptFile},
	Kinds:       argoApps,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		return checkHelmRefs(o, func(s *appSpec, r helmRef) []policy.Violation {
			file, ok := scan.SecretsFilePath(r.value)
			if !ok || (s.isSet && isTemplated(file)) {
				return nil
			}
			abs, ok := c.ValueFile(r.src, file)
			if !ok {
				return nil // not in the checked repository: nothing to read
			}
			data, err := inputfile.Read(abs, maxValueFileSize)
			if err != nil {
				return nil // a missing, oversized or irregular value file fails rendering: render-failed reports it
			}
			var rule *scan.Rule
			if fsys, rel, ok := c.RepoRel(abs); ok {
				if cfg, err := scan.FindConfig(fsys, rel); err == nil && cfg != nil {
					rule = cfg.RuleFor(rel)
				}
			}
			st := scan.CheckEncryption(c.Display(abs), data, rule)
			var out []policy.Violation
			for _, f := range st.Findings {
				msg := f.Message
				if !strings.Contains(msg, c.Display(abs)) {
					msg = c.Display(abs) + ": " + msg
				}
				if f.Line > 0 {
					msg = sprintf("%s (line %d)", msg, f.Line)
				}
				out = append(out, policy.Violation{Message: sprintf("%s is referenced as %s: %s", file, r.value, msg), Field: r.field, Remediation: f.Remediation, Fix: f.Fix})
			}
			return out
		})
	},
}

const (
	sealedNamespaceWide = "sealedsecrets.bitnami.com/namespace-wide"
	sealedClusterWide   = "sealedsecrets.bitnami.com/cluster-wide"
)

var sealedSecretScope = policy.Rule{
	ID:       "sealed-secret-scope",
	Severity: policy.SeverityError,
	Title:    "A SealedSecret's scope does not match the name and namespace it is used with",
	Rationale: "With the default strict scope the controller decrypts a SealedSecret only under " +
		"the name and namespace it was sealed for; namespace-wide only in that namespace. A " +
		"SealedSecret renamed, moved to another namespace, or whose template names another " +
		"Secret, never becomes a Secret; both scope annotations at once are contradictory.",
	Remediation: "Seal it with the scope you need (kubeseal --scope), or seal the value again for the name and namespace it is deployed with.",
	Fix:         fix.Fix{Op: fix.SealSecret},
	Kinds:       []schema.GroupKind{{Group: "bitnami.com", Kind: "SealedSecret"}},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		ann := o.Annotations()
		nsWide, _ := asBool(ann[sealedNamespaceWide])
		clWide, _ := asBool(ann[sealedClusterWide])
		tmplName := o.String("spec", "template", "metadata", "name")
		tmplNS := o.String("spec", "template", "metadata", "namespace")
		var out []policy.Violation
		switch {
		case nsWide && clWide:
			out = append(out, violation("metadata.annotations", "SealedSecret %q is annotated both namespace-wide and cluster-wide; keep the one it was sealed with", o.Name))
		case clWide:
			return nil
		case nsWide:
			if tmplNS != "" && o.Namespace != "" && tmplNS != o.Namespace {
				out = append(out, violation("spec.template.metadata.namespace", "namespace-wide SealedSecret %q is in namespace %q but its template names namespace %q", o.Name, o.Namespace, tmplNS))
			}
		default:
			if o.Namespace == "" {
				out = append(out, violation("metadata", "strict-scoped SealedSecret %q has no namespace; it only decrypts in the namespace it was sealed for, so set metadata.namespace", o.Name))
			}
			if tmplName != "" && tmplName != o.Name {
				out = append(out, violation("spec.template.metadata.name", "strict-scoped SealedSecret %q has template name %q; the controller decrypts it only under the name it was sealed for", o.Name, tmplName))
			}
			if tmplNS != "" && o.Namespace != "" && tmplNS != o.Namespace {
				out = append(out, violation("spec.template.metadata.namespace", "strict-scoped SealedSecret %q is in namespace %q but its template names namespace %q", o.Name, o.Namespace, tmplNS))
			}
		}
		return out
	},
}
