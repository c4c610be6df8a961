package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/namespaces"
)

// inheritedFromLabel marks the objects HNC copies into a descendant namespace, naming the
// namespace the original is in.
const inheritedFromLabel = namespaces.HNCGroup + "/inherited-from"

// playPlatform does, in the background, what HNC and the platform's job do for a
// subnamespace: it adopts every new SubnamespaceAnchor in the tenant namespaces (see
// adopt), and a few seconds later lists the namespace in Argo CD's cluster Secret.
func playPlatform(ctx context.Context, env *testenv.Env) error {
	dyn, err := dynamic.NewForConfig(env.Admin)
	if err != nil {
		return err
	}
	go func() {
		done := map[string]bool{}
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for _, parent := range testenv.TenantNamespaces {
				list, err := dyn.Resource(namespaces.SubnamespaceAnchorsResource).Namespace(parent).List(ctx, metav1.ListOptions{})
				if err != nil {
					continue
				}
				for _, a := range list.Items {
					child := a.GetName()
					if done[child] {
						continue
					}
					done[child] = true
					go func() {
						if err := adopt(ctx, env, dyn, parent, child); err != nil && ctx.Err() == nil {
							fmt.Printf("   [platform] %v\n", err)
							return
						}
						listManaged(ctx, env, child)
					}()
				}
			}
		}
	}()
	return nil
}

// adopt does what HNC does for the anchor child in parent: it creates the namespace with
// HNC's tree labels and annotation, copies the parent's Roles and RoleBindings into it
// (HNC propagates both kinds, so a developer who is admin in the parent is admin in the
// subnamespace), waits until the API server's authorizer honours the copies, and sets the
// anchor's state to Ok. HNC keeps the copies in step with the parent afterwards; the
// demo does not change the parent's rights, so one copy is enough here.
func adopt(ctx context.Context, env *testenv.Env, dyn dynamic.Interface, parent, child string) error {
	c := env.AdminClient
	parentNS, err := c.CoreV1().Namespaces().Get(ctx, parent, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading parent namespace %s: %w", parent, err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: child,
		Labels:      treeLabels(parent, child, parentNS.Labels),
		Annotations: map[string]string{namespaces.SubnamespaceOfAnnotation: parent}}}
	if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", child, err)
	}
	if err := propagate(ctx, c, parent, child); err != nil {
		return fmt.Errorf("copying the RBAC of %s into %s: %w", parent, child, err)
	}
	if err := waitDeveloperAllowed(ctx, env, child); err != nil {
		return fmt.Errorf("waiting for the developer's rights in %s: %w", child, err)
	}
	anchors := dyn.Resource(namespaces.SubnamespaceAnchorsResource).Namespace(parent)
	a, err := anchors.Get(ctx, child, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading anchor %s/%s: %w", parent, child, err)
	}
	a.Object["status"] = map[string]any{"status": namespaces.AnchorStateOk}
	if _, err := anchors.Update(ctx, a, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("setting the state of anchor %s/%s: %w", parent, child, err)
	}
	return nil
}

// treeLabels are HNC's depth labels of a subnamespace: itself at depth 0, its parent at
// 1, and each of the parent's ancestors one further than from the parent.
func treeLabels(parent, child string, parentLabels map[string]string) map[string]string {
	out := map[string]string{
		child + namespaces.TreeDepthLabelSuffix:  "0",
		parent + namespaces.TreeDepthLabelSuffix: "1",
	}
	for k, v := range parentLabels {
		ancestor, ok := strings.CutSuffix(k, namespaces.TreeDepthLabelSuffix)
		if !ok || ancestor == parent {
			continue
		}
		var depth int
		if _, err := fmt.Sscanf(v, "%d", &depth); err == nil {
			out[k] = fmt.Sprint(depth + 1)
		}
	}
	return out
}

// propagate copies the Roles and RoleBindings of parent into child as HNC does: same name,
// rules, roleRef and subjects, labelled with the namespace they are inherited from.
func propagate(ctx context.Context, c kubernetes.Interface, parent, child string) error {
	inherited := func(m metav1.ObjectMeta) metav1.ObjectMeta {
		labels := map[string]string{inheritedFromLabel: parent}
		for k, v := range m.Labels {
			if k != inheritedFromLabel {
				labels[k] = v
			}
		}
		return metav1.ObjectMeta{Namespace: child, Name: m.Name, Labels: labels}
	}
	roles, err := c.RbacV1().Roles(parent).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, r := range roles.Items {
		copied := &rbacv1.Role{ObjectMeta: inherited(r.ObjectMeta), Rules: r.Rules}
		if _, err := c.RbacV1().Roles(child).Create(ctx, copied, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	bindings, err := c.RbacV1().RoleBindings(parent).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, rb := range bindings.Items {
		copied := &rbacv1.RoleBinding{ObjectMeta: inherited(rb.ObjectMeta), RoleRef: rb.RoleRef, Subjects: rb.Subjects}
		if _, err := c.RbacV1().RoleBindings(child).Create(ctx, copied, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// waitDeveloperAllowed waits until the developer may list Deployments in ns: the RBAC
// authorizer reads bindings through a cache, so a copy is not honoured at once.
func waitDeveloperAllowed(ctx context.Context, env *testenv.Env, ns string) error {
	dev, err := kubernetes.NewForConfig(env.Developer)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		review, err := dev.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: ns, Verb: "list", Group: "apps", Resource: "deployments"}},
		}, metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		return review.Status.Allowed, nil
	})
}

// listManaged does the platform job's part: a few seconds after the namespace appears, it
// is in the namespaces of Argo CD's cluster Secret.
func listManaged(ctx context.Context, env *testenv.Env, child string) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(3 * time.Second):
	}
	secrets := env.AdminClient.CoreV1().Secrets(env.Profile.ArgoCD.Namespace)
	s, err := secrets.Get(ctx, testenv.ClusterSecretName, metav1.GetOptions{})
	if err != nil {
		fmt.Printf("   [platform] reading the cluster Secret: %v\n", err)
		return
	}
	names := strings.Split(string(s.Data["namespaces"]), ",")
	if !slices.Contains(names, child) {
		s.Data["namespaces"] = []byte(strings.Join(append(names, child), ","))
		if _, err := secrets.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			fmt.Printf("   [platform] listing %s in the cluster Secret: %v\n", child, err)
		}
	}
}
