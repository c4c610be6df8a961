package argocdmanaged

import (
	"context"
	"errors"
	"k8s.io/client-go/discovery"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// gatekeeperGroups are the API groups of Gatekeeper's mutators, ConstraintTemplates and
// Constraints.
var gatekeeperGroups = []string{"mutations.gatekeeper.sh", "templates.gatekeeper.sh", "constraints.gatekeeper.sh"}

// AdmissionPolicies reads the cluster's Gatekeeper mutators, ConstraintTemplates and
// Constraints, in the groups' preferred versions. A kind the user may not list is a
// warning (a *ForbiddenError naming the right to request), not an error; a cluster
// without Gatekeeper has none. The error is for a cluster that cannot be read at all.
func (c *Clients) AdmissionPolicies(ctx context.Context) (objs []map[string]any, warnings []error, err error) {
	dc := discovery.ToDiscoveryInterfaceWithContext(c.Discovery)
	groups, err := dc.ServerGroupsWithContext(ctx)
	if err != nil {
		return nil, nil, c.Explain(err, "get", schema.GroupVersionResource{Resource: "apigroups"}, "", "")
	}
	for _, g := range groups.Groups {
		if !slices.Contains(gatekeeperGroups, g.Name) {
			continue
		}
		gv := g.PreferredVersion.GroupVersion
		rl, err := dc.ServerResourcesForGroupVersionWithContext(ctx, gv)
		if err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			warnings = append(warnings, c.Explain(err, "get", schema.GroupVersionResource{Group: g.Name, Resource: "discovery"}, "", ""))
			continue
		}
		for _, r := range rl.APIResources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") {
				continue
			}
			gvr := schema.GroupVersionResource{Group: g.Name, Version: g.PreferredVersion.Version, Resource: r.Name}
			list, err := c.Dynamic.Resource(gvr).List(ctx, metav1.ListOptions{})
			if err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				if apierrors.IsNotFound(err) {
					continue
				}
				e := c.Explain(err, "list", gvr, "", "")
				if !errors.As(e, new(*ForbiddenError)) {
					return nil, nil, e
				}
				warnings = append(warnings, e)
				continue
			}
			for i := range list.Items {
				objs = append(objs, list.Items[i].Object)
			}
		}
	}
	return objs, warnings, nil
}

// NamespaceLabels reads the labels of namespaces, for Pod Security levels and Gatekeeper
// namespace selectors. A namespace the user may not get is a warning naming the right to
// request; a missing one is left out.
func (c *Clients) NamespaceLabels(ctx context.Context, names []string) (map[string]map[string]string, []error, error) {
	out := map[string]map[string]string{}
	var warnings []error
	for _, n := range names {
		ns, err := c.Kube.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{})
		switch {
		case err == nil:
			out[n] = ns.Labels
		case apierrors.IsNotFound(err):
		default:
			e := c.Explain(err, "get", NamespacesResource, "", n)
			if !errors.As(e, new(*ForbiddenError)) {
				return nil, nil, e
			}
			warnings = append(warnings, e)
		}
	}
	return out, warnings, nil
}
