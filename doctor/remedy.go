package doctor

// Remedy is the Remediation of a doctor finding whose fix a tool built on this package may
// carry out with a command of its own: the text says what to do in words any caller can
// show, and a tool that has a command for it (the kubectl plugin) replaces the text,
// compared as Remedy(finding.Remediation), with its own. This package names no command.
type Remedy string

// The remedies of the doctor's findings, by what they mend.
const (
	// RemedyNamespacedMode is for an Application that manages a cluster-scoped object
	// while Argo CD runs in namespaced mode.
	RemedyNamespacedMode Remedy = "Argo CD runs in namespaced mode here and may not manage cluster-scoped objects such as Namespaces: remove them from the source (and CreateNamespace=true from syncOptions); create namespaces as HNC subnamespaces, and check the manifests against the platform's policy rules before committing"
	// RemedyExportBackup is for a store that holds no backup.
	RemedyExportBackup Remedy = "export a backup, and schedule the export"
	// RemedyCheckBackupSchedule is for a newest backup older than the maximum age.
	RemedyCheckBackupSchedule Remedy = "check the scheduled backup's CronJob, or export a backup"
	// RemedyCreateKeySecret is for a missing helm-secrets key Secret.
	RemedyCreateKeySecret Remedy = "create the helm-secrets key Secret from the team's private key"
	// RemedyRecreateKeySecret is for a key Secret without the private key.
	RemedyRecreateKeySecret Remedy = "re-create the helm-secrets key Secret from the team's private key"
	// RemedyNewKey is for a private key the repo server cannot use (one with a passphrase).
	RemedyNewKey Remedy = "generate a key without passphrase and store it in the helm-secrets key Secret"
	// RemedyLabelKeySecret is for a key Secret without the platform's label; a Fix is offered.
	RemedyLabelKeySecret Remedy = "apply the doctor's fix, which adds the label, or re-create the helm-secrets key Secret"
	// RemedyUpdateKeys is for a sops file the live key does not decrypt.
	RemedyUpdateKeys Remedy = "add the key's recipient to .sops.yaml and update the keys of the file (sops updatekeys)"
	// RemedyReseal is for a SealedSecret the controller cannot unseal.
	RemedyReseal Remedy = "seal it again for this name and namespace"
	// RemedyCreateValsSecret is for a missing vals-secret.
	RemedyCreateValsSecret Remedy = "create the vals-secret with Vault's address and auth method, then ask the Platform Administrator to restart the repo server"
	// RemedyLabelValsSecret is for a vals-secret without the platform's label; a Fix is offered.
	RemedyLabelValsSecret Remedy = "apply the doctor's fix, which adds the label"
	// RemedyTrimNewlines is for vals-secret values that end with a newline; a Fix is offered.
	RemedyTrimNewlines Remedy = "apply the doctor's fix, which rewrites them without the newline, then ask the Platform Administrator to restart the repo server"
	// RemedyRecreateValsSecret is for a vals-secret whose settings are incomplete.
	RemedyRecreateValsSecret Remedy = "re-create the vals-secret with complete Vault settings"
)
