package render

import (
	"os"

	"github.com/ck8sargo/ck8sargo/internal/kinds"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// trackingAnnotation is Argo CD's resource tracking annotation; Argo CD sets it when it
// applies, so what a repository carries is not what is deployed.
const trackingAnnotation = "argocd.argoproj.io/tracking-id"

// finish makes the objects what Argo CD applies, as its controller's
// DeduplicateTargetObjects, without Helm test hooks: cluster-scoped objects lose their namespace, namespaced ones
// without one get the destination's, and of objects with the same group, kind, namespace
// and name the last one wins (in the place of the first).
func (r *Renderer) finish(app *Application, namespace string) {
	crds := map[schema.GroupKind]bool{}
	for _, o := range app.Objects {
		gvk := o.GroupVersionKind()
		if gvk.Group == "apiextensions.k8s.io" && gvk.Kind == "CustomResourceDefinition" {
			spec, _ := o.Content["spec"].(map[string]any)
			names, _ := spec["names"].(map[string]any)
			g, _ := spec["group"].(string)
			k, _ := names["kind"].(string)
			scope, _ := spec["scope"].(string)
			crds[schema.GroupKind{Group: g, Kind: k}] = scope == "Cluster"
		}
	}
	clusterScoped := func(gk schema.GroupKind) bool {
		if v, ok := crds[gk]; ok {
			return v
		}
		if r.opts.ClusterScoped != nil {
			return r.opts.ClusterScoped(gk)
		}
		return kinds.ClusterScoped(gk)
	}
	type key struct {
		gk       schema.GroupKind
		ns, name string
	}
	pos := map[key]int{}
	out := app.Objects[:0:0]
	for _, o := range app.Objects {
		// Argo CD's controller takes any object with helm.sh/hook for a hook, whatever
		// the source (gitops-engine hook.IsHook); a test hook belongs to no sync phase and
		// is never applied.
		if isTestHook(o) {
			continue
		}
		md, _ := o.Content["metadata"].(map[string]any)
		if md == nil {
			md = map[string]any{}
			o.Content["metadata"] = md
		}
		gk := o.GroupVersionKind().GroupKind()
		if clusterScoped(gk) {
			delete(md, "namespace")
		} else if ns, _ := md["namespace"].(string); ns == "" && namespace != "" {
			md["namespace"] = namespace
		}
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, trackingAnnotation)
			if len(ann) == 0 {
				delete(md, "annotations")
			}
		}
		k := key{gk, o.Namespace(), o.Name()}
		if k.name == "" {
			out = append(out, o)
			continue
		}
		if i, ok := pos[k]; ok {
			out[i] = o
			continue
		}
		pos[k] = len(out)
		out = append(out, o)
	}
	app.Objects = out
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
