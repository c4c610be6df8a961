package policy

import (
	"context"
	"fmt"
	"k8s.io/client-go/discovery"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// loadLive reads the Applications, ApplicationSets and AppProjects of the Argo CD namespace
// and takes resource scopes from discovery. Every API error is explained (which permission
// to ask for, whether Argo CD is installed).
func loadLive(ctx context.Context, cl *argocdmanaged.Clients, c *Context) ([]*Object, error) {
	ns := c.Profile.ArgoCD.Namespace
	var objs []*Object
	for _, gvr := range []schema.GroupVersionResource{
		argocdmanaged.AppProjectsResource, argocdmanaged.ApplicationsResource, argocdmanaged.ApplicationSetsResource,
	} {
		list, err := cl.Dynamic.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, cl.Explain(err, "list", gvr, ns, "")
		}
		for i := range list.Items {
			u := &list.Items[i]
			o := &Object{
				File:       fmt.Sprintf("cluster/%s/%s/%s", ns, gvr.Resource, u.GetName()),
				APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Group: u.GroupVersionKind().Group,
				Namespace: u.GetNamespace(), Name: u.GetName(), Content: u.Object,
			}
			objs = append(objs, o)
		}
	}
	c.Live = true
	// Discovery may fail for some groups (an aggregated API that is down); the scopes of
	// the groups it did return are still right.
	lists, _ := discovery.ToDiscoveryInterfaceWithContext(cl.Discovery).ServerPreferredResourcesWithContext(ctx)
	if len(lists) > 0 {
		c.discovered = true
		for _, l := range lists {
			gv, err := schema.ParseGroupVersion(l.GroupVersion)
			if err != nil {
				continue
			}
			for _, r := range l.APIResources {
				c.clusterScoped[schema.GroupKind{Group: gv.Group, Kind: r.Kind}] = !r.Namespaced
			}
		}
	}
	return objs, nil
}
