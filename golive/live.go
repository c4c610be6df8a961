package golive

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
)

// readLive adds the workloads, PodDisruptionBudgets and PersistentVolumeClaims of the
// managed namespaces.
func (f *facts) readLive(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile) error {
	resources := []schema.GroupVersionResource{
		{Group: "apps", Version: "v1", Resource: "deployments"},
		{Group: "apps", Version: "v1", Resource: "statefulsets"},
		{Group: "apps", Version: "v1", Resource: "daemonsets"},
		{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"},
		{Version: "v1", Resource: "persistentvolumeclaims"},
	}
	for _, ns := range p.Namespaces.Managed {
		for _, gvr := range resources {
			list, err := c.Dynamic.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return c.Explain(err, "list", gvr, ns, "")
			}
			f.liveObjects += len(list.Items)
			for i := range list.Items {
				u := &list.Items[i]
				o := &policy.Object{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Group: gvr.Group,
					Namespace: u.GetNamespace(), Name: u.GetName(), Content: u.Object}
				switch gvr.Resource {
				case "poddisruptionbudgets":
					f.pdbs = append(f.pdbs, pdb{namespace: ns, selector: stringMap(o.Get("spec", "selector", "matchLabels"))})
				case "persistentvolumeclaims":
					f.pvcs++
				default:
					f.workloads = append(f.workloads, workloadOf(o))
				}
			}
		}
	}
	return nil
}
