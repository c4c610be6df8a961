package backup

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// lastAppliedAnnotation is kubectl's client-side apply record; it can hold a Secret's data
// in plaintext, and a restore must not resurrect an old one.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// droppedMetadata are the fields the API server owns; a restored object gets new ones.
// ownerReferences point at objects by uid, which a restore cannot keep.
var droppedMetadata = []string{
	"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
	"ownerReferences", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
	"generateName",
}

// Clean strips an object down to what a backup keeps: apiVersion, kind, name, namespace,
// labels, annotations (notified.notifications.argoproj.io included, so that restored apps
// do not notify again), finalizers, and the spec or data. It drops status, operation (a
// stale operation would sync again on restore), the fields the API server owns, and the
// last-applied annotation. Clean changes u in place and returns it.
func Clean(u *unstructured.Unstructured) *unstructured.Unstructured {
	obj := u.Object
	delete(obj, "status")
	delete(obj, "operation")
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		return u
	}
	for _, f := range droppedMetadata {
		delete(md, f)
	}
	if ann, ok := md["annotations"].(map[string]any); ok {
		delete(ann, lastAppliedAnnotation)
		if len(ann) == 0 {
			delete(md, "annotations")
		}
	}
	for _, f := range []string{"labels", "finalizers"} {
		if v, ok := md[f]; ok && isEmpty(v) {
			delete(md, f)
		}
	}
	return u
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}
