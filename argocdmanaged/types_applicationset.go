package argocdmanaged

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationSet mirrors argoproj.io/v1alpha1 ApplicationSet. Generators are kept as raw
// JSON: there are many kinds and only their shape in a template matters here.
type ApplicationSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ApplicationSetSpec `json:"spec"`
	Status            json.RawMessage    `json:"status,omitempty"`
	Unknown           Unknown            `json:"-"`
}

// ApplicationSetSpec generates Applications from a template.
type ApplicationSetSpec struct {
	Generators        []json.RawMessage         `json:"generators"`
	Template          ApplicationSetTemplate    `json:"template"`
	TemplatePatch     *string                   `json:"templatePatch,omitempty"`
	GoTemplate        *bool                     `json:"goTemplate,omitempty"`
	GoTemplateOptions []string                  `json:"goTemplateOptions,omitempty"`
	SyncPolicy        *ApplicationSetSyncPolicy `json:"syncPolicy,omitempty"`
	Unknown           Unknown                   `json:"-"`
}

// ApplicationSetTemplate is the Application each generator result is rendered into.
type ApplicationSetTemplate struct {
	Metadata ApplicationSetTemplateMeta `json:"metadata"`
	Spec     ApplicationSpec            `json:"spec"`
	Unknown  Unknown                    `json:"-"`
}

// ApplicationSetTemplateMeta is the metadata part of the template.
type ApplicationSetTemplateMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Finalizers  []string          `json:"finalizers,omitempty"`
	Unknown     Unknown           `json:"-"`
}

// ApplicationSetSyncPolicy controls what the ApplicationSet controller may do to the
// Applications it generated. ApplicationsSync "create-update" keeps it from deleting any.
type ApplicationSetSyncPolicy struct {
	PreserveResourcesOnDeletion *bool   `json:"preserveResourcesOnDeletion,omitempty"`
	ApplicationsSync            *string `json:"applicationsSync,omitempty"`
	Unknown                     Unknown `json:"-"`
}
