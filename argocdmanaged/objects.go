package argocdmanaged

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

//go:generate go run gen_json.go

// Group and Version are those of the Argo CD custom resources.
const (
	Group   = "argoproj.io"
	Version = "v1alpha1"
)

// The kinds of the Argo CD custom resources that this package mirrors.
const (
	KindApplication    = "Application"
	KindApplicationSet = "ApplicationSet"
	KindAppProject     = "AppProject"
)

// GroupVersion is argoproj.io/v1alpha1.
var GroupVersion = schema.GroupVersion{Group: Group, Version: Version}

// Resources of the Argo CD custom resources, for dynamic clients.
var (
	ApplicationsResource    = GroupVersion.WithResource("applications")
	ApplicationSetsResource = GroupVersion.WithResource("applicationsets")
	AppProjectsResource     = GroupVersion.WithResource("appprojects")
)

// APIVersion is the apiVersion string written in manifests.
var APIVersion = GroupVersion.String()

// NewApplication returns an Application with its type metadata set.
func NewApplication(namespace, name string) *Application {
	a := &Application{}
	a.APIVersion, a.Kind = APIVersion, KindApplication
	a.Namespace, a.Name = namespace, name
	return a
}

// NewAppProject returns an AppProject with its type metadata set.
func NewAppProject(namespace, name string) *AppProject {
	p := &AppProject{}
	p.APIVersion, p.Kind = APIVersion, KindAppProject
	p.Namespace, p.Name = namespace, name
	return p
}

// NewApplicationSet returns an ApplicationSet with its type metadata set.
func NewApplicationSet(namespace, name string) *ApplicationSet {
	s := &ApplicationSet{}
	s.APIVersion, s.Kind = APIVersion, KindApplicationSet
	s.Namespace, s.Name = namespace, name
	return s
}

// Object is one of the mirrored Argo CD types.
type Object interface {
	*Application | *ApplicationSet | *AppProject
}

// FromUnstructured converts an object read with a dynamic client into its typed mirror. It
// refuses an object of another group or kind, so that a wrong list cannot be misread.
func FromUnstructured[T Object](u *unstructured.Unstructured, into T) error {
	want := kindOf(into)
	gvk := u.GroupVersionKind()
	if gvk.Group != Group || gvk.Kind != want {
		return fmt.Errorf("converting %s %q: want %s/%s", gvk.Kind, u.GetName(), Group, want)
	}
	data, err := u.MarshalJSON()
	if err != nil {
		return fmt.Errorf("converting %s %q: %w", gvk.Kind, u.GetName(), err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("converting %s %q: %w", gvk.Kind, u.GetName(), err)
	}
	return nil
}

// ToUnstructured converts a typed object, unknown fields included, for a dynamic client.
func ToUnstructured[T Object](obj T) (*unstructured.Unstructured, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %s: %w", kindOf(obj), err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("converting %s: %w", kindOf(obj), err)
	}
	return u, nil
}

// Decode reads one YAML or JSON manifest into a typed object.
func Decode[T Object](manifest []byte, into T) error {
	if err := yaml.Unmarshal(manifest, into); err != nil {
		return fmt.Errorf("decoding %s: %w", kindOf(into), err)
	}
	return nil
}

// Encode writes a typed object as YAML, unknown fields included.
func Encode[T Object](obj T) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", kindOf(obj), err)
	}
	return yaml.JSONToYAML(data)
}

func kindOf(obj any) string {
	switch obj.(type) {
	case *Application:
		return KindApplication
	case *ApplicationSet:
		return KindApplicationSet
	case *AppProject:
		return KindAppProject
	}
	return fmt.Sprintf("%T", obj)
}
