package doctor

import (
	"slices"

	"github.com/ck8sargo/ck8sargo/policy"
)

// The IDs of the rules the doctor's checks report under. They are stable: reports, CI
// gates and docs use them. The notifications and applications checks also pass on the
// findings of notify.Lint and policy.Check, which keep the IDs of their own rules
// (notify.LintRules, the policy rules).
const (
	RuleArgoCDAPI                = "argocd-api"
	RuleAccessReview             = "access-review"
	RuleMissingPermission        = "missing-permission"
	RuleHelmSecretsKey           = "helm-secrets-key"
	RuleHelmSecretsKeyLabel      = "helm-secrets-key-label"
	RuleHelmSecretsRepoServer    = "helm-secrets-repo-server"
	RuleHelmSecretsDecrypt       = "helm-secrets-decrypt"
	RuleValsSecret               = "vals-secret"
	RuleValsSecretLabel          = "vals-secret-label"
	RuleValsSecretNewline        = "vals-secret-newline"
	RuleValsSecretSettings       = "vals-secret-settings"
	RuleSealedSecretsController  = "sealed-secrets-controller"
	RuleSealedSecretsCertificate = "sealed-secrets-certificate"
	RuleSealedSecretsList        = "sealed-secrets-list"
	RuleSealedSecretsStale       = "sealed-secrets-stale"
	RuleNotificationsConfig      = "notifications-config"
	RuleApplicationsPolicy       = "applications-policy"
	RuleApplicationCondition     = "application-condition"
	RuleApplicationNamespaced    = "application-namespaced-mode"
	RuleApplicationSync          = "application-sync"
	RuleApplicationHealth        = "application-health"
	RuleBackupStore              = "backup-store"
	RuleBackupAge                = "backup-age"
	RuleBackupVerify             = "backup-verify"
	RuleDexLogin                 = "dex-login"
)

// Rules lists the rules the doctor's checks report under, in the order the checks run, as
// policy rules without a Check: a Check (the probe) finds what is wrong, and these are its
// findings' metadata, for documentation and for the shared report writers (policy/report:
// SARIF lists them). A rule's Severity is the usual one; a finding may carry another (a
// check that could not be made is a warning). Each call returns a fresh copy.
func Rules() []policy.Rule { return slices.Clone(doctorRules) }

var doctorRules = []policy.Rule{
	{ID: RuleArgoCDAPI, Severity: policy.SeverityError, Title: "Argo CD's API is not visible",
		Rationale:   "Without the argoproj.io API in the cluster, or visible to the user, there is no managed Argo CD to deploy with, and no other check can be made.",
		Remediation: "Check that the kubeconfig context is the environment's, and ask the Platform Administrator whether managed Argo CD is enabled for it."},
	{ID: RuleAccessReview, Severity: policy.SeverityWarning, Title: "The API server could not be asked which rights the user has",
		Rationale:   "The rights check asks the API server with SelfSubjectAccessReviews; when it cannot, the rights are neither confirmed nor found missing.",
		Remediation: "Run the doctor with an identity that may create SelfSubjectAccessReviews (every authenticated user may, by default)."},
	{ID: RuleMissingPermission, Severity: policy.SeverityWarning, Title: "The user lacks a right the platform gives developers",
		Rationale:   "The platform gives developers a set of rights to work with Argo CD; one that is missing makes the work that needs it fail with a forbidden error.",
		Remediation: "Ask the Platform Administrator for the missing right."},
	{ID: RuleHelmSecretsKey, Severity: policy.SeverityError, Title: "The helm-secrets key Secret is missing, lacks the private key, or holds one that cannot be used",
		Rationale:   "The repo server decrypts the team's sops-encrypted values with the private key of this Secret; without a usable key, every Application that uses helm-secrets fails to render.",
		Remediation: "Create or re-create the helm-secrets key Secret from the team's private key, one without passphrase."},
	{ID: RuleHelmSecretsKeyLabel, Severity: policy.SeverityError, Title: "The helm-secrets key Secret lacks the platform's label",
		Rationale:   "The platform hands the repo server only the Secrets with its label; a key Secret without it is not used, and decryption fails.",
		Remediation: "Add the platform's label to the helm-secrets key Secret (the doctor offers the fix), or re-create the Secret."},
	{ID: RuleHelmSecretsRepoServer, Severity: policy.SeverityError, Title: "The Argo CD repo server is not running and ready",
		Rationale:   "The repo server renders every Application, with the helm-secrets key; while it is not ready nothing renders or syncs.",
		Remediation: "Follow the advice on the repo server's state, and ask the Platform Administrator when the repo server does not start."},
	{ID: RuleHelmSecretsDecrypt, Severity: policy.SeverityError, Title: "A sops file of the repository does not decrypt with the live key",
		Rationale:   "A sops file that is not encrypted for the key the repo server has cannot be decrypted when the Application renders, so its sync fails.",
		Remediation: "Add the key's recipient to .sops.yaml and update the keys of the file."},
	{ID: RuleValsSecret, Severity: policy.SeverityError, Title: "The vals-secret is missing or cannot be read",
		Rationale:   "The repo server reads Vault's address and auth method from the vals-secret; without it, Applications that reference Vault secrets fail to render.",
		Remediation: "Create the vals-secret with Vault's address and auth method, then ask the Platform Administrator to restart the repo server."},
	{ID: RuleValsSecretLabel, Severity: policy.SeverityError, Title: "The vals-secret lacks the platform's label",
		Rationale:   "The platform hands the repo server only the Secrets with its label; a vals-secret without it is not used, and Vault references fail to resolve.",
		Remediation: "Add the platform's label to the vals-secret (the doctor offers the fix)."},
	{ID: RuleValsSecretNewline, Severity: policy.SeverityError, Title: "A vals-secret value ends with a newline",
		Rationale:   "A value encoded with its trailing newline reaches Vault with it, so the address or the credential is wrong and the login fails.",
		Remediation: "Rewrite the values without the trailing newline (the doctor offers the fix), then ask the Platform Administrator to restart the repo server."},
	{ID: RuleValsSecretSettings, Severity: policy.SeverityError, Title: "The vals-secret's Vault settings are incomplete",
		Rationale:   "The repo server logs in to Vault with the auth method of the vals-secret; an incomplete one fails every Vault lookup.",
		Remediation: "Re-create the vals-secret with complete Vault settings."},
	{ID: RuleSealedSecretsController, Severity: policy.SeverityError, Title: "The sealed-secrets controller does not answer",
		Rationale:   "SealedSecrets are unsealed by the controller; when it does not answer, no SealedSecret becomes a Secret and its certificate cannot be fetched to seal new ones.",
		Remediation: "Check the controller's namespace and name in the profile, and that the controller runs."},
	{ID: RuleSealedSecretsCertificate, Severity: policy.SeverityError, Title: "The sealed-secrets controller's certificate cannot be used",
		Rationale:   "Secrets are sealed with the controller's certificate; an expired or unreadable one cannot seal Secrets the controller will unseal.",
		Remediation: "Ask whoever runs the controller to renew its sealing key."},
	{ID: RuleSealedSecretsList, Severity: policy.SeverityWarning, Title: "The SealedSecrets could not be listed",
		Rationale:   "SealedSecrets that cannot be listed cannot be checked, so a stale one would go unnoticed; the check is reported as not made, not as passed.",
		Remediation: "Ask the Platform Administrator for the right to list SealedSecrets in the team's namespaces."},
	{ID: RuleSealedSecretsStale, Severity: policy.SeverityError, Title: "A SealedSecret cannot be unsealed by the controller",
		Rationale:   "A SealedSecret sealed for a key the controller does not have, or for another name or namespace, never becomes a Secret, and what needs the Secret fails.",
		Remediation: "Seal the Secret again for this name and namespace."},
	{ID: RuleNotificationsConfig, Severity: policy.SeverityWarning, Title: "The notifications config or its subscriptions could not be read",
		Rationale:   "The notifications config is linted with the live Applications' and AppProjects' subscriptions; what cannot be read is not checked, and is reported so rather than passed.",
		Remediation: "Ask the Platform Administrator for the right to read the notifications ConfigMap, the Applications and the AppProjects."},
	{ID: RuleApplicationsPolicy, Severity: policy.SeverityWarning, Title: "The live Applications could not be checked against the platform's policy rules",
		Rationale:   "Applications that break a policy rule are refused or fail to sync; when the live Applications cannot be checked, such a break goes unnoticed.",
		Remediation: "Make sure the Applications can be read, and check them against the platform's policy rules."},
	{ID: RuleApplicationCondition, Severity: policy.SeverityError, Title: "An Application has an error condition",
		Rationale:   "Argo CD records what keeps it from managing an Application as an error condition; while the condition stands, the Application does not sync as meant.",
		Remediation: "Fix what the condition names, in the Application or its source."},
	{ID: RuleApplicationNamespaced, Severity: policy.SeverityError, Title: "An Application manages a cluster-scoped object while Argo CD runs in namespaced mode",
		Rationale:   "In namespaced mode Argo CD may manage only namespaced objects; an Application whose source holds a Namespace or another cluster-scoped object cannot sync it.",
		Remediation: "Remove the cluster-scoped objects (and CreateNamespace=true) from the source, and create namespaces as HNC subnamespaces."},
	{ID: RuleApplicationSync, Severity: policy.SeverityError, Title: "An Application's last sync failed",
		Rationale:   "A failed sync leaves the cluster at an older state than the repository, and Argo CD retries only as the sync policy says.",
		Remediation: "Fix what the sync's message names, then sync the Application again."},
	{ID: RuleApplicationHealth, Severity: policy.SeverityWarning, Title: "An Application is not healthy",
		Rationale:   "An Application whose resources are degraded or missing serves users badly or not at all, however well it synced.",
		Remediation: "Look at the Application's unhealthy resources and fix what keeps them from becoming healthy."},
	{ID: RuleBackupStore, Severity: policy.SeverityError, Title: "The backup store cannot be read",
		Rationale:   "A store that cannot be read cannot be restored from; its backups may as well not exist.",
		Remediation: "Check backup.to in the profile and the store's credentials."},
	{ID: RuleBackupAge, Severity: policy.SeverityError, Title: "The store holds no backup, or the newest is too old",
		Rationale:   "A restore brings back only what the newest backup holds; without a recent one, the work since is lost.",
		Remediation: "Export a backup, and check that the scheduled export runs."},
	{ID: RuleBackupVerify, Severity: policy.SeverityError, Title: "The newest backup does not verify, or holds objects a restore would refuse",
		Rationale:   "A backup that is damaged, or that a restore would refuse, fails when it is needed.",
		Remediation: "Take a new backup and find out what damaged this one."},
	{ID: RuleDexLogin, Severity: policy.SeverityWarning, Title: "The Argo CD CLI's login is stuck, or its config cannot be read",
		Rationale:   "With Dex, an SSO login that did not finish (the known invalid_client issue) leaves the Argo CD CLI without a token, and every command fails until a login finishes.",
		Remediation: "Open a new browser tab with the Argo CD URL, then log in with SSO again."},
}
