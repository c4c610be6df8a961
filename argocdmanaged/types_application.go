package argocdmanaged

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Application mirrors argoproj.io/v1alpha1 Application: the fields this project reads or
// writes are typed, everything else is kept in Unknown at each level.
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ApplicationSpec    `json:"spec"`
	Operation         *Operation         `json:"operation,omitempty"`
	Status            *ApplicationStatus `json:"status,omitempty"`
	Unknown           Unknown            `json:"-"`
}

// ApplicationSpec is what an Application deploys, from where, to where.
type ApplicationSpec struct {
	Source      *ApplicationSource     `json:"source,omitempty"`
	Sources     []ApplicationSource    `json:"sources,omitempty"`
	Destination ApplicationDestination `json:"destination"`
	Project     string                 `json:"project"`
	SyncPolicy  *SyncPolicy            `json:"syncPolicy,omitempty"`
	Unknown     Unknown                `json:"-"`
}

// AllSources returns the single source or the list of sources, whichever the spec uses;
// Argo CD ignores source when sources is set.
func (s *ApplicationSpec) AllSources() []*ApplicationSource {
	if len(s.Sources) > 0 {
		out := make([]*ApplicationSource, len(s.Sources))
		for i := range s.Sources {
			out[i] = &s.Sources[i]
		}
		return out
	}
	if s.Source != nil {
		return []*ApplicationSource{s.Source}
	}
	return nil
}

// ApplicationSource is one repository location: a Helm chart, a Kustomize overlay or a plain
// directory of manifests.
type ApplicationSource struct {
	RepoURL        string                      `json:"repoURL"`
	Path           string                      `json:"path,omitempty"`
	TargetRevision string                      `json:"targetRevision,omitempty"`
	Chart          string                      `json:"chart,omitempty"`
	Ref            string                      `json:"ref,omitempty"`
	Helm           *ApplicationSourceHelm      `json:"helm,omitempty"`
	Kustomize      *ApplicationSourceKustomize `json:"kustomize,omitempty"`
	Directory      *ApplicationSourceDirectory `json:"directory,omitempty"`
	Unknown        Unknown                     `json:"-"`
}

// ApplicationSourceHelm holds the Helm options of a source. valueFiles and fileParameters
// are where helm-secrets (secrets://) and vals (secrets+literal://vals!) references live.
type ApplicationSourceHelm struct {
	ValueFiles     []string            `json:"valueFiles,omitempty"`
	Values         string              `json:"values,omitempty"`
	ValuesObject   json.RawMessage     `json:"valuesObject,omitempty"`
	Parameters     []HelmParameter     `json:"parameters,omitempty"`
	FileParameters []HelmFileParameter `json:"fileParameters,omitempty"`
	ReleaseName    string              `json:"releaseName,omitempty"`
	Unknown        Unknown             `json:"-"`
}

// HelmParameter is a --set style override.
type HelmParameter struct {
	Name        string  `json:"name,omitempty"`
	Value       string  `json:"value,omitempty"`
	ForceString *bool   `json:"forceString,omitempty"`
	Unknown     Unknown `json:"-"`
}

// HelmFileParameter is a --set-file style override; its path may be a helm-secrets URL.
type HelmFileParameter struct {
	Name    string  `json:"name,omitempty"`
	Path    string  `json:"path,omitempty"`
	Unknown Unknown `json:"-"`
}

// ApplicationSourceKustomize holds the Kustomize options of a source.
type ApplicationSourceKustomize struct {
	NamePrefix        string            `json:"namePrefix,omitempty"`
	NameSuffix        string            `json:"nameSuffix,omitempty"`
	Images            []string          `json:"images,omitempty"`
	CommonLabels      map[string]string `json:"commonLabels,omitempty"`
	CommonAnnotations map[string]string `json:"commonAnnotations,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	Components        []string          `json:"components,omitempty"`
	Unknown           Unknown           `json:"-"`
}

// ApplicationSourceDirectory holds the options of a plain directory source.
type ApplicationSourceDirectory struct {
	Recurse *bool   `json:"recurse,omitempty"`
	Include string  `json:"include,omitempty"`
	Exclude string  `json:"exclude,omitempty"`
	Unknown Unknown `json:"-"`
}

// ApplicationDestination is the cluster and namespace an Application deploys into.
type ApplicationDestination struct {
	Server    string  `json:"server,omitempty"`
	Namespace string  `json:"namespace,omitempty"`
	Name      string  `json:"name,omitempty"`
	Unknown   Unknown `json:"-"`
}

// SyncPolicy controls automated sync and the options of every sync.
type SyncPolicy struct {
	Automated                *SyncPolicyAutomated      `json:"automated,omitempty"`
	SyncOptions              []string                  `json:"syncOptions,omitempty"`
	Retry                    *RetryStrategy            `json:"retry,omitempty"`
	ManagedNamespaceMetadata *ManagedNamespaceMetadata `json:"managedNamespaceMetadata,omitempty"`
	Unknown                  Unknown                   `json:"-"`
}

// SyncPolicyAutomated enables automated sync. Pointers keep an explicit false as written.
type SyncPolicyAutomated struct {
	Prune      *bool   `json:"prune,omitempty"`
	SelfHeal   *bool   `json:"selfHeal,omitempty"`
	AllowEmpty *bool   `json:"allowEmpty,omitempty"`
	Enabled    *bool   `json:"enabled,omitempty"`
	Unknown    Unknown `json:"-"`
}

// RetryStrategy is how a failed sync is retried.
type RetryStrategy struct {
	Limit   *int64   `json:"limit,omitempty"`
	Backoff *Backoff `json:"backoff,omitempty"`
	Unknown Unknown  `json:"-"`
}

// Backoff is the delay between sync retries.
type Backoff struct {
	Duration    string  `json:"duration,omitempty"`
	Factor      *int64  `json:"factor,omitempty"`
	MaxDuration string  `json:"maxDuration,omitempty"`
	Unknown     Unknown `json:"-"`
}

// ManagedNamespaceMetadata asks Argo CD to manage the destination namespace's metadata; it
// needs the Namespace, which the platform does not let Argo CD touch.
type ManagedNamespaceMetadata struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Unknown     Unknown           `json:"-"`
}

// Operation is a sync that Argo CD has been asked to run. A stale one left on an object
// re-runs that sync, which is why backups drop it.
type Operation struct {
	Sync        *SyncOperation      `json:"sync,omitempty"`
	InitiatedBy *OperationInitiator `json:"initiatedBy,omitempty"`
	Retry       *RetryStrategy      `json:"retry,omitempty"`
	Unknown     Unknown             `json:"-"`
}

// SyncOperation is the sync requested by an Operation.
type SyncOperation struct {
	Revision    string   `json:"revision,omitempty"`
	Revisions   []string `json:"revisions,omitempty"`
	Prune       bool     `json:"prune,omitempty"`
	DryRun      bool     `json:"dryRun,omitempty"`
	SyncOptions []string `json:"syncOptions,omitempty"`
	Unknown     Unknown  `json:"-"`
}

// OperationInitiator says who asked for an Operation.
type OperationInitiator struct {
	Username  string  `json:"username,omitempty"`
	Automated bool    `json:"automated,omitempty"`
	Unknown   Unknown `json:"-"`
}

// ApplicationStatus is what Argo CD observed about an Application.
type ApplicationStatus struct {
	Sync           SyncStatus             `json:"sync,omitempty"`
	Health         HealthStatus           `json:"health,omitempty"`
	OperationState *OperationState        `json:"operationState,omitempty"`
	Conditions     []ApplicationCondition `json:"conditions,omitempty"`
	Unknown        Unknown                `json:"-"`
}

// SyncStatus compares the live state with git.
type SyncStatus struct {
	Status    string   `json:"status,omitempty"`
	Revision  string   `json:"revision,omitempty"`
	Revisions []string `json:"revisions,omitempty"`
	Unknown   Unknown  `json:"-"`
}

// HealthStatus is the aggregated health of the deployed resources.
type HealthStatus struct {
	Status  string  `json:"status,omitempty"`
	Message string  `json:"message,omitempty"`
	Unknown Unknown `json:"-"`
}

// OperationState is the progress or result of the last Operation.
type OperationState struct {
	Phase      string       `json:"phase,omitempty"`
	Message    string       `json:"message,omitempty"`
	StartedAt  *metav1.Time `json:"startedAt,omitempty"`
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	RetryCount int64        `json:"retryCount,omitempty"`
	Unknown    Unknown      `json:"-"`
}

// ApplicationCondition is an error or warning Argo CD reports on an Application, such as
// "Cluster level Namespace ... can not be managed when in namespaced mode".
type ApplicationCondition struct {
	Type               string       `json:"type"`
	Message            string       `json:"message"`
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
	Unknown            Unknown      `json:"-"`
}
