package namespaces

import (
	"context"
	"errors"
	"fmt"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NamespaceState says whether Argo CD may deploy into a namespace.
type NamespaceState string

// The states of a namespace in a NamespaceTree.
const (
	// NamespaceManaged: listed in Argo CD's cluster Secret; Applications can deploy here.
	NamespaceManaged NamespaceState = "managed"
	// NamespaceNotYetManaged: exists, but not (yet) listed; a sync into it fails.
	NamespaceNotYetManaged NamespaceState = "not-yet-managed"
	// NamespacePlatformOwned: the platform's; Argo CD never deploys here.
	NamespacePlatformOwned NamespaceState = "platform-owned"
	// NamespaceNotCreated: an anchor asks for it, but HNC has not created it (yet).
	NamespaceNotCreated NamespaceState = "not-created"
	// NamespaceUnknown: the managed list could not be read.
	NamespaceUnknown NamespaceState = "unknown"
)

// NamespaceInfo is one namespace of a NamespaceTree.
type NamespaceInfo struct {
	Name   string         `json:"name"`
	Parent string         `json:"parent,omitempty"`
	State  NamespaceState `json:"state"`
	// Subnamespace says whether an HNC anchor in the parent owns the namespace (and so
	// deleting the anchor deletes it).
	Subnamespace bool `json:"subnamespace"`
	// Applications are the Argo CD Applications that deploy into the namespace.
	Applications []string         `json:"applications,omitempty"`
	Children     []*NamespaceInfo `json:"children,omitempty"`
}

// NamespaceTree is the namespaces a user can see, as a tree by HNC parent.
type NamespaceTree struct {
	Namespaces []*NamespaceInfo `json:"namespaces"`
	// Warnings name what could not be looked at, usually for lack of rights.
	Warnings []string `json:"warnings,omitempty"`
}

// Walk calls fn for every namespace of the tree, parents before children, with its depth.
func (t *NamespaceTree) Walk(fn func(n *NamespaceInfo, depth int)) {
	var walk func([]*NamespaceInfo, int)
	walk = func(ns []*NamespaceInfo, depth int) {
		for _, n := range ns {
			fn(n, depth)
			walk(n.Children, depth+1)
		}
	}
	walk(t.Namespaces, 0)
}

// ListNamespaces returns the namespaces the user of c can see, as a tree by HNC parent,
// each marked managed, not yet managed or platform-owned, with the Applications deploying
// into it. A user who may not list namespaces (a developer) sees those it can read among
// seeds, the managed list, the Applications' destinations and the subnamespaces of those,
// found by following anchors. What cannot be looked at becomes a warning.
func ListNamespaces(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile, seeds ...string) (*NamespaceTree, error) {
	l := &namespaceLister{c: c, p: p, seen: map[string]*corev1.Namespace{}, anchors: map[string]string{}}
	if err := l.managedList(ctx); err != nil {
		return nil, err
	}
	if err := l.applications(ctx); err != nil {
		return nil, err
	}
	if err := l.namespaces(ctx, seeds); err != nil {
		return nil, err
	}
	return l.tree(), nil
}

type namespaceLister struct {
	c        *argocdmanaged.Clients
	p        argocdmanaged.Profile
	managed  []string
	known    bool                // whether managed was read (from the cluster or the profile)
	apps     map[string][]string // namespace → Applications deploying there
	seen     map[string]*corev1.Namespace
	anchors  map[string]string // child → parent, from anchors
	hncGone  bool
	warnings []string
}

func (l *namespaceLister) warn(err error) { l.warnings = append(l.warnings, err.Error()) }

func (l *namespaceLister) managedList(ctx context.Context) error {
	s, managed, err := argocdmanaged.ClusterSecret(ctx, l.c, &l.p)
	var fe *argocdmanaged.ForbiddenError
	switch {
	case err == nil && s != nil:
		l.managed, l.known = managed, true
	case err == nil:
		l.warnings = append(l.warnings, fmt.Sprintf("no Argo CD cluster Secret for %s in namespace %s", l.p.ArgoCD.Server, l.p.ArgoCD.Namespace))
	case errors.As(err, &fe):
		l.warn(fmt.Errorf("cannot read which namespaces Argo CD manages: %w", err))
	default:
		return err
	}
	if !l.known && len(l.p.Namespaces.Managed) > 0 {
		l.managed, l.known = slices.Clone(l.p.Namespaces.Managed), true
		l.warnings = append(l.warnings, "using the managed namespaces of the profile ("+l.p.Source("namespaces.managed")+") instead")
	}
	return nil
}

func (l *namespaceLister) applications(ctx context.Context) error {
	apps, err := applicationsByNamespace(ctx, l.c, l.p)
	var fe *argocdmanaged.ForbiddenError
	switch {
	case err == nil:
		l.apps = apps
	case errors.As(err, &fe), errors.Is(err, argocdmanaged.ErrArgoCDNotInstalled):
		l.warn(fmt.Errorf("cannot list Applications: %w", err))
	default:
		return err
	}
	return nil
}

// applicationsByNamespace maps each namespace to the Applications that deploy into it on
// the in-cluster destination, names sorted.
func applicationsByNamespace(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile) (map[string][]string, error) {
	ns := p.ArgoCD.Namespace
	list, err := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.Explain(err, "list", argocdmanaged.ApplicationsResource, ns, "")
	}
	out := map[string][]string{}
	for i := range list.Items {
		var app argocdmanaged.Application
		if err := argocdmanaged.FromUnstructured(&list.Items[i], &app); err != nil {
			return nil, err
		}
		d := app.Spec.Destination
		if d.Namespace == "" || !p.IsInClusterDestination(d) {
			continue
		}
		out[d.Namespace] = append(out[d.Namespace], app.Name)
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out, nil
}

func (l *namespaceLister) namespaces(ctx context.Context, seeds []string) error {
	list, err := l.c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	var queue []string
	switch {
	case err == nil:
		for i := range list.Items {
			l.seen[list.Items[i].Name] = &list.Items[i]
			queue = append(queue, list.Items[i].Name)
		}
	case apierrors.IsForbidden(err):
		// Not an error: developers cannot list namespaces, but can read their own.
		queue = append(queue, seeds...)
		queue = append(queue, l.managed...)
		for ns := range l.apps {
			queue = append(queue, ns)
		}
		slices.Sort(queue)
		queue = slices.Compact(queue)
		if len(queue) == 0 {
			l.warnings = append(l.warnings, "you may not list all namespaces, and no namespace to start from was found (no seed, managed list or argocdmanaged.Application destination); name one of yours")
		}
	default:
		return l.c.Explain(err, "list", argocdmanaged.NamespacesResource, "", "")
	}
	tried := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if name == "" || tried[name] {
			continue
		}
		tried[name] = true
		if l.seen[name] == nil {
			ns, err := l.c.Kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
			switch {
			case err == nil:
				l.seen[name] = ns
			case apierrors.IsNotFound(err), apierrors.IsForbidden(err):
				continue
			default:
				return l.c.Explain(err, "get", argocdmanaged.NamespacesResource, "", name)
			}
		}
		children, err := l.anchorChildren(ctx, name)
		if err != nil {
			return err
		}
		queue = append(queue, children...)
	}
	return nil
}

// anchorChildren lists the anchors in ns. Platform namespaces are skipped: they have no
// subnamespaces of a team's, and a developer may not look.
func (l *namespaceLister) anchorChildren(ctx context.Context, ns string) ([]string, error) {
	if l.hncGone || l.p.IsPlatformNamespace(ns) || isPlatformOwned(l.seen[ns]) {
		return nil, nil
	}
	list, err := l.c.Dynamic.Resource(SubnamespaceAnchorsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
	switch {
	case err == nil:
	case argocdmanaged.IsMissingResourceType(err, ""):
		l.hncGone = true
		l.warn(ErrHNCNotInstalled)
		return nil, nil
	case apierrors.IsForbidden(err):
		return nil, nil
	default:
		return nil, l.c.Explain(err, "list", SubnamespaceAnchorsResource, ns, "")
	}
	var out []string
	for _, a := range list.Items {
		l.anchors[a.GetName()] = ns
		out = append(out, a.GetName())
	}
	return out, nil
}

func isPlatformOwned(ns *corev1.Namespace) bool {
	return ns != nil && ns.Labels[argocdmanaged.PlatformOwnerLabel] == argocdmanaged.PlatformOwnerValue
}

// hncParent is the parent HNC recorded on a namespace: the ancestor at depth 1, else the
// subnamespace-of annotation.
func hncParent(ns *corev1.Namespace) string {
	for k, v := range ns.Labels {
		if v == "1" && strings.HasSuffix(k, TreeDepthLabelSuffix) {
			return strings.TrimSuffix(k, TreeDepthLabelSuffix)
		}
	}
	return ns.Annotations[SubnamespaceOfAnnotation]
}

func (l *namespaceLister) state(name string, ns *corev1.Namespace) NamespaceState {
	switch {
	case ns == nil:
		return NamespaceNotCreated
	case l.p.IsPlatformNamespace(name) || isPlatformOwned(ns):
		return NamespacePlatformOwned
	case !l.known:
		return NamespaceUnknown
	case slices.Contains(l.managed, name):
		return NamespaceManaged
	}
	return NamespaceNotYetManaged
}

func (l *namespaceLister) tree() *NamespaceTree {
	nodes := map[string]*NamespaceInfo{}
	for name, ns := range l.seen {
		parent := hncParent(ns)
		if parent == "" {
			parent = l.anchors[name]
		}
		_, anchored := l.anchors[name]
		nodes[name] = &NamespaceInfo{Name: name, Parent: parent, State: l.state(name, ns),
			Subnamespace: anchored || ns.Annotations[SubnamespaceOfAnnotation] != "", Applications: l.apps[name]}
	}
	for child, parent := range l.anchors {
		if nodes[child] == nil {
			nodes[child] = &NamespaceInfo{Name: child, Parent: parent, State: NamespaceNotCreated, Subnamespace: true, Applications: l.apps[child]}
		}
	}
	t := &NamespaceTree{Namespaces: []*NamespaceInfo{}, Warnings: l.warnings}
	for _, n := range nodes {
		if p := nodes[n.Parent]; p != nil && n.Parent != n.Name {
			p.Children = append(p.Children, n)
		} else {
			t.Namespaces = append(t.Namespaces, n)
		}
	}
	byName := func(a, b *NamespaceInfo) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(t.Namespaces, byName)
	for _, n := range nodes {
		slices.SortFunc(n.Children, byName)
	}
	return t
}
