package argocdmanaged

import (
	"maps"
	"slices"
	"strings"
)

// ProfileAPIVersion and ProfileKind identify a profile file.
const (
	ProfileAPIVersion = "ck8sargo.io/v1alpha1"
	ProfileKind       = "Profile"
	// ProfileFileName is the file that Find looks for, walking up from a directory.
	ProfileFileName = ".ck8sargo.yaml"
)

// SecretTypeLabel is the label key Argo CD uses to tell its Secrets apart; the value says
// what the Secret holds (repository, cluster, helm-secrets, ...).
const SecretTypeLabel = "argocd.argoproj.io/secret-type"

// Values of SecretTypeLabel that this platform and Argo CD use.
const (
	SecretTypeCluster         = "cluster"
	SecretTypeRepository      = "repository"
	SecretTypeRepoCreds       = "repo-creds"
	SecretTypeRepositoryWrite = "repository-write"
	SecretTypeRepoWriteCreds  = "repo-write-creds"
	SecretTypeSCMCreds        = "scm-creds"
	SecretTypeHelmSecrets     = "helm-secrets"
	SecretTypeVals            = "vals-secret"
)

// NoBackupLabel marks an object the platform's backups leave out; a team's own backups
// leave it out too, whatever its value.
const NoBackupLabel = "compliantkubernetes.io/nobackup"

// LegacyHelmSecretsLabelValue is the label value the platform's user guide still gives for
// the helm-secrets key Secret; newer release notes say SecretTypeHelmSecrets. Both are
// accepted on read.
const LegacyHelmSecretsLabelValue = SecretTypeRepository

// Profile is everything this project knows about one managed Argo CD environment: the one
// place where platform names live. Build it with DefaultProfile, then LoadProfile or
// Discover; the zero value is not useful.
type Profile struct {
	APIVersion string            `json:"apiVersion" yaml:"apiVersion"`
	Kind       string            `json:"kind" yaml:"kind"`
	ArgoCD     ArgoCDSettings    `json:"argocd" yaml:"argocd"`
	Namespaces NamespaceSettings `json:"namespaces" yaml:"namespaces"`
	Features   Features          `json:"features" yaml:"features"`
	// Registries are the image registries workloads may pull from; empty means not checked.
	Registries    []string              `json:"registries" yaml:"registries"`
	Notifications NotificationsSettings `json:"notifications" yaml:"notifications"`
	Policy        PolicySettings        `json:"policy" yaml:"policy"`
	Backup        BackupSettings        `json:"backup" yaml:"backup"`
	Secrets       SecretsSettings       `json:"secrets" yaml:"secrets"`

	// sources records where each value came from, by field path; see Source.
	sources map[string]string
}

// ArgoCDSettings says where Argo CD runs and how it names the cluster it runs in.
type ArgoCDSettings struct {
	Namespace  string `json:"namespace" yaml:"namespace"`
	Server     string `json:"server" yaml:"server"`
	ServerName string `json:"serverName" yaml:"serverName"`
	// Version is the Argo CD release the environment runs (v3.5.7), from the image tag of
	// its notifications controller or server; empty means unknown. notify lint warns about
	// features newer than it.
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	// ApplicationNamespaces are namespaces besides Namespace where this Argo CD picks up
	// Applications (Argo CD's application.namespaces, "apps in any namespace"); empty on
	// the platform, where an Application anywhere else is never seen.
	ApplicationNamespaces []string `json:"applicationNamespaces,omitempty" yaml:"applicationNamespaces,omitempty"`
	// KustomizeBuildOptions is argocd-cm's kustomize.buildOptions on this environment
	// ("--enable-helm", "--load-restrictor LoadRestrictionsNone"), for rendering when no
	// argocd-cm is given; empty means none.
	KustomizeBuildOptions string `json:"kustomizeBuildOptions,omitempty" yaml:"kustomizeBuildOptions,omitempty"`
}

// NamespaceSettings lists the namespaces Applications may deploy into and those owned by
// the platform.
type NamespaceSettings struct {
	// Managed are the namespaces in Argo CD's cluster Secret; empty means unknown, and
	// then no check is made against it.
	Managed []string `json:"managed" yaml:"managed"`
	// Platform replaces the built-in list of platform-owned namespaces when set.
	Platform []string `json:"platform" yaml:"platform"`
}

// Features are the optional services the Platform Administrator enables on request.
type Features struct {
	HelmSecrets   HelmSecretsFeature   `json:"helmSecrets" yaml:"helmSecrets"`
	SealedSecrets SealedSecretsFeature `json:"sealedSecrets" yaml:"sealedSecrets"`
	Vals          ValsFeature          `json:"vals" yaml:"vals"`
	AppsOfApps    Feature              `json:"appsOfApps" yaml:"appsOfApps"`
}

// Feature is an on/off platform feature.
type Feature struct {
	Enabled bool `json:"enabled" yaml:"enabled"`
}

// HelmSecretsFeature is helm-secrets with sops: the repo server reads a private key from a
// Secret in the Argo CD namespace.
type HelmSecretsFeature struct {
	Enabled bool `json:"enabled" yaml:"enabled"`
	// KeySecretName is the Secret that holds the private key.
	KeySecretName string `json:"keySecretName" yaml:"keySecretName"`
	// KeySecretDataKey is the data key of the private key in that Secret.
	KeySecretDataKey string `json:"keySecretDataKey" yaml:"keySecretDataKey"`
	// KeySecretLabel is the value of SecretTypeLabel written on that Secret.
	KeySecretLabel string `json:"keySecretLabel" yaml:"keySecretLabel"`
}

// SealedSecretsFeature is a self-managed sealed-secrets controller.
type SealedSecretsFeature struct {
	Enabled             bool   `json:"enabled" yaml:"enabled"`
	ControllerNamespace string `json:"controllerNamespace" yaml:"controllerNamespace"`
	ControllerName      string `json:"controllerName" yaml:"controllerName"`
}

// ValsFeature is vals with HashiCorp Vault: the repo server reads Vault settings from a
// Secret in the Argo CD namespace.
type ValsFeature struct {
	Enabled     bool   `json:"enabled" yaml:"enabled"`
	SecretName  string `json:"secretName" yaml:"secretName"`
	SecretLabel string `json:"secretLabel" yaml:"secretLabel"`
}

// NotificationsSettings names the objects that configure Argo CD notifications.
type NotificationsSettings struct {
	ConfigMap string `json:"configMap" yaml:"configMap"`
	Secret    string `json:"secret" yaml:"secret"`
}

// PolicySettings tunes policy checks for a repository.
type PolicySettings struct {
	// Disable lists rule IDs that are not run.
	Disable []string `json:"disable" yaml:"disable"`
	// Severity overrides the severity of a rule, by rule ID.
	Severity map[string]string `json:"severity" yaml:"severity"`
	// IgnorePaths are globs of files that are not checked.
	IgnorePaths []string `json:"ignorePaths" yaml:"ignorePaths"`
	// PodTemplates are custom kinds that create Pods, with the path of their pod template,
	// so that the workload rules judge them as they judge a Deployment (Pod, the apps and
	// batch workloads and Argo Rollouts' Rollout are built in).
	PodTemplates []PodTemplateKind `json:"podTemplates,omitempty" yaml:"podTemplates,omitempty"`
}

// PodTemplateKind is a custom kind with a pod template.
type PodTemplateKind struct {
	// Group is the kind's API group ("" for the core group).
	Group string `json:"group" yaml:"group"`
	Kind  string `json:"kind" yaml:"kind"`
	// Path is the dotted path of the pod template (the object with metadata and spec),
	// for example spec.template or spec.workload.template.
	Path string `json:"path" yaml:"path"`
}

// BackupSettings are the defaults of backup commands.
type BackupSettings struct {
	// To is the store URL backups are written to and read from.
	To string `json:"to" yaml:"to"`
	// Recipients are the age recipients Secret data is encrypted to.
	Recipients []string `json:"recipients" yaml:"recipients"`
	// ConfigMaps are extra ConfigMaps of the Argo CD namespace to back up.
	ConfigMaps []string `json:"configMaps" yaml:"configMaps"`
}

// SecretsSettings tune the secrets commands for a repository.
type SecretsSettings struct {
	Scan SecretsScanSettings `json:"scan" yaml:"scan"`
}

// SecretsScanSettings are what `secrets scan` lets pass in this repository.
type SecretsScanSettings struct {
	// Allow lists what is no secret: findings in files matching Paths and of the checks or
	// gitleaks rules in Rules (an empty list matches every file or every rule).
	Allow []ScanAllow `json:"allow" yaml:"allow"`
	// Ignore lists findings by fingerprint, FILE:RULE:LINE as gitleaks' .gitleaksignore
	// writes them (RULE is the check, or the gitleaks rule of a credential finding).
	Ignore []string `json:"ignore" yaml:"ignore"`
}

// ScanAllow is one allowlist entry of SecretsScanSettings.
type ScanAllow struct {
	// Paths are slash-separated globs relative to the repository root; ** matches any
	// number of directories.
	Paths []string `json:"paths,omitempty" yaml:"paths,omitempty"`
	// Rules are check names (private-key, credential, ...) or gitleaks rule IDs
	// (aws-access-token, generic-api-key, ...).
	Rules []string `json:"rules,omitempty" yaml:"rules,omitempty"`
	// Reason says why, for the next reader.
	Reason string `json:"reason,omitempty" yaml:"reason,omitempty"`
}

// defaultPlatformNamespaces are the namespaces the platform owns; Argo CD may deploy into
// none of them.
var defaultPlatformNamespaces = []string{
	"argocd-system", "calico-system", "cert-manager", "falco", "fluentd-system",
	"gatekeeper-system", "hnc-system", "ingress-nginx", "kube-node-lease", "kube-public",
	"kube-system", "monitoring", "velero",
}

// PlatformOwnerLabel marks namespaces owned by the platform (value PlatformOwnerValue).
const (
	PlatformOwnerLabel = "owner"
	PlatformOwnerValue = "operator"
)

// DefaultProfile returns the platform's built-in facts.
func DefaultProfile() Profile {
	return Profile{
		APIVersion: ProfileAPIVersion,
		Kind:       ProfileKind,
		ArgoCD: ArgoCDSettings{
			Namespace:  "argocd-system",
			Server:     "https://kubernetes.default.svc",
			ServerName: "in-cluster",
		},
		Namespaces: NamespaceSettings{Platform: slices.Clone(defaultPlatformNamespaces)},
		Features: Features{
			HelmSecrets: HelmSecretsFeature{
				KeySecretName:    "helm-secrets-private-keys",
				KeySecretDataKey: "key.asc",
				KeySecretLabel:   SecretTypeHelmSecrets,
			},
			SealedSecrets: SealedSecretsFeature{
				ControllerNamespace: "sealed-secrets",
				ControllerName:      "sealed-secrets-controller",
			},
			Vals: ValsFeature{SecretName: "vals-secret", SecretLabel: SecretTypeVals},
		},
		Notifications: NotificationsSettings{
			ConfigMap: "argocd-notifications-cm",
			Secret:    "argocd-notifications-secret",
		},
	}
}

// IsPlatformNamespace says whether ns belongs to the platform. The Argo CD namespace always
// does, whatever the list says.
func (p *Profile) IsPlatformNamespace(ns string) bool {
	return ns == p.ArgoCD.Namespace || slices.Contains(p.Namespaces.Platform, ns)
}

// IsManagedNamespace says whether Argo CD may deploy into ns. When the managed list is
// unknown (empty), every namespace that is not the platform's is taken as managed.
func (p *Profile) IsManagedNamespace(ns string) bool {
	if len(p.Namespaces.Managed) == 0 {
		return ns != "" && !p.IsPlatformNamespace(ns)
	}
	return slices.Contains(p.Namespaces.Managed, ns)
}

// IsInClusterDestination says whether a destination names the cluster Argo CD runs in, the
// only one a namespaced install on this platform may deploy to.
func (p *Profile) IsInClusterDestination(d ApplicationDestination) bool {
	if d.Server != "" {
		return d.Server == p.ArgoCD.Server && (d.Name == "" || d.Name == p.ArgoCD.ServerName)
	}
	return d.Name == p.ArgoCD.ServerName
}

// IsHelmSecretsKeyLabel says whether value is an accepted SecretTypeLabel value for the
// helm-secrets key Secret: the configured one, or either value the platform has documented.
func (p *Profile) IsHelmSecretsKeyLabel(value string) bool {
	return value == p.Features.HelmSecrets.KeySecretLabel ||
		value == SecretTypeHelmSecrets || value == LegacyHelmSecretsLabelValue
}

// Source says where the value at a field path (such as "argocd.namespace") came from:
// "default", the profile file and line, or the cluster object it was discovered from.
func (p *Profile) Source(path string) string {
	for {
		if s, ok := p.sources[path]; ok {
			return s
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return SourceDefault
		}
		path = path[:i]
	}
}

// SourceDefault is the source of a built-in value.
const SourceDefault = "default"

func (p *Profile) setSource(path, source string) {
	if p.sources == nil {
		p.sources = map[string]string{}
	}
	p.sources[path] = source
}

// Clone returns a deep copy, so that changing the copy (as Discover does) leaves p as it was.
func (p Profile) Clone() Profile {
	c := p
	c.Namespaces.Managed = slices.Clone(p.Namespaces.Managed)
	c.Namespaces.Platform = slices.Clone(p.Namespaces.Platform)
	c.Registries = slices.Clone(p.Registries)
	c.Policy.Disable = slices.Clone(p.Policy.Disable)
	c.Policy.Severity = maps.Clone(p.Policy.Severity)
	c.Policy.IgnorePaths = slices.Clone(p.Policy.IgnorePaths)
	c.Policy.PodTemplates = slices.Clone(p.Policy.PodTemplates)
	c.ArgoCD.ApplicationNamespaces = slices.Clone(p.ArgoCD.ApplicationNamespaces)
	c.Backup.Recipients = slices.Clone(p.Backup.Recipients)
	c.Backup.ConfigMaps = slices.Clone(p.Backup.ConfigMaps)
	c.sources = maps.Clone(p.sources)
	return c
}
