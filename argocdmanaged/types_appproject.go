package argocdmanaged

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AppProject mirrors argoproj.io/v1alpha1 AppProject: what the Applications of a project may
// deploy, from where and to where.
type AppProject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              AppProjectSpec  `json:"spec"`
	Status            json.RawMessage `json:"status,omitempty"`
	Unknown           Unknown         `json:"-"`
}

// AppProjectSpec lists what a project permits.
type AppProjectSpec struct {
	Description                string                   `json:"description,omitempty"`
	SourceRepos                []string                 `json:"sourceRepos,omitempty"`
	Destinations               []ApplicationDestination `json:"destinations,omitempty"`
	SourceNamespaces           []string                 `json:"sourceNamespaces,omitempty"`
	ClusterResourceWhitelist   []GroupKind              `json:"clusterResourceWhitelist,omitempty"`
	ClusterResourceBlacklist   []GroupKind              `json:"clusterResourceBlacklist,omitempty"`
	NamespaceResourceWhitelist []GroupKind              `json:"namespaceResourceWhitelist,omitempty"`
	NamespaceResourceBlacklist []GroupKind              `json:"namespaceResourceBlacklist,omitempty"`
	SyncWindows                []SyncWindow             `json:"syncWindows,omitempty"`
	Roles                      []ProjectRole            `json:"roles,omitempty"`
	Unknown                    Unknown                  `json:"-"`
}

// GroupKind names a resource kind in a project's white- or blacklist. Both fields are
// required by the CRD schema, so group is written even when empty (the core group).
type GroupKind struct {
	Group   string  `json:"group"`
	Kind    string  `json:"kind"`
	Unknown Unknown `json:"-"`
}

// SyncWindow allows or denies syncs during a cron-scheduled window.
type SyncWindow struct {
	Kind         string   `json:"kind,omitempty"`
	Schedule     string   `json:"schedule,omitempty"`
	Duration     string   `json:"duration,omitempty"`
	Applications []string `json:"applications,omitempty"`
	Namespaces   []string `json:"namespaces,omitempty"`
	Clusters     []string `json:"clusters,omitempty"`
	ManualSync   *bool    `json:"manualSync,omitempty"`
	TimeZone     string   `json:"timeZone,omitempty"`
	Unknown      Unknown  `json:"-"`
}

// ProjectRole grants project-scoped rights to groups or tokens.
type ProjectRole struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Policies    []string `json:"policies,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	Unknown     Unknown  `json:"-"`
}
