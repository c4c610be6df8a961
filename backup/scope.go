package backup

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/archive"
)

// kindInfo is one kind a backup holds.
type kindInfo struct {
	Kind       string
	APIVersion string
	GVR        schema.GroupVersionResource
	// Phase orders a restore: every object of a lower phase is applied first.
	Phase int
}

var (
	secretsResource    = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	configMapsResource = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

// kinds in restore order; archive.Kinds has the same order.
var kinds = []kindInfo{
	{"Secret", "v1", secretsResource, 0},
	{"ConfigMap", "v1", configMapsResource, 0},
	{"AppProject", argocdmanaged.APIVersion, argocdmanaged.AppProjectsResource, 1},
	{"Application", argocdmanaged.APIVersion, argocdmanaged.ApplicationsResource, 2},
	{"ApplicationSet", argocdmanaged.APIVersion, argocdmanaged.ApplicationSetsResource, 3},
}

func kindOf(kind string) (kindInfo, bool) {
	for _, k := range kinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return kindInfo{}, false
}

// Scope decides which objects a backup holds, from the profile: in the Argo CD namespace,
// ApplicationSets, Applications, AppProjects, Secrets labelled with
// argocdmanaged.SecretTypeLabel, the notifications ConfigMap and Secret, and the
// ConfigMaps of Profile.Backup.ConfigMaps; never anything labelled
// argocdmanaged.NoBackupLabel, in another namespace, or cluster-scoped.
type Scope struct {
	Profile argocdmanaged.Profile
}

// Namespace is the Argo CD namespace the scope covers.
func (s Scope) Namespace() string { return s.Profile.ArgoCD.Namespace }

// configMaps are the ConfigMaps in scope, by name.
func (s Scope) configMaps() []string {
	names := []string{s.Profile.Notifications.ConfigMap}
	for _, n := range s.Profile.Backup.ConfigMaps {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// Check says why an object is out of scope, or "" when it is in scope. It reads the
// object's own apiVersion, kind, namespace and labels, so it also judges objects from an
// archive that someone crafted.
func (s Scope) Check(u *unstructured.Unstructured) string {
	k, ok := kindOf(u.GetKind())
	switch {
	case !ok:
		return fmt.Sprintf("kind %s is not backed up (cluster-scoped or not an Argo CD object)", u.GetKind())
	case u.GetAPIVersion() != k.APIVersion:
		return fmt.Sprintf("apiVersion %s is not %s", u.GetAPIVersion(), k.APIVersion)
	case u.GetNamespace() != s.Namespace():
		ns := u.GetNamespace()
		if ns == "" {
			ns = "(none: cluster-scoped)"
		}
		return fmt.Sprintf("namespace %s is not the Argo CD namespace %s", ns, s.Namespace())
	case hasLabel(u, argocdmanaged.NoBackupLabel):
		return "labelled " + argocdmanaged.NoBackupLabel
	}
	switch k.Kind {
	case "Secret":
		if !hasLabel(u, argocdmanaged.SecretTypeLabel) && u.GetName() != s.Profile.Notifications.Secret {
			return fmt.Sprintf("a Secret without the label %s that is not the notifications Secret", argocdmanaged.SecretTypeLabel)
		}
	case "ConfigMap":
		if !slices.Contains(s.configMaps(), u.GetName()) {
			return "a ConfigMap that is neither the notifications ConfigMap nor in the profile's backup.configMaps"
		}
	}
	return ""
}

func hasLabel(u *unstructured.Unstructured, key string) bool {
	_, ok := u.GetLabels()[key]
	return ok
}

// checkKinds keeps backup and archive in step.
func init() {
	for i, k := range kinds {
		if archive.Kinds[i] != k.Kind {
			panic("backup: kinds out of step with archive.Kinds")
		}
	}
}
