// Package namespacestest lets tests play the parts of HNC and of the platform around a
// subnamespace on the test control plane: it installs HNC's SubnamespaceAnchor CRD (read
// from the HNC Go module, not copied), gives developers the rights HNC grants, creates the
// namespace for an anchor as HNC would, and adds it to Argo CD's cluster Secret as the
// platform's job would.
package namespacestest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/namespaces"
)

// HNCModule is the HNC release whose CRD and RBAC the tests install.
const HNCModule = "sigs.k8s.io/hierarchical-namespaces@v1.1.0"

// HNCAdminRole is the ClusterRole HNC ships for humans (config/rbac/hnc_admin.yaml, named
// with HNC's kustomize prefix), labelled to be aggregated into the built-in admin role.
const HNCAdminRole = "hnc-admin-role"

// InstallHNC installs HNC's SubnamespaceAnchor CRD and its admin ClusterRole from HNCModule
// into env, waits until the API is served, and aggregates the ClusterRoles as
// kube-controller-manager would (see testenv.AggregateClusterRoles), so that the developer, admin
// in the tenant namespaces, may make subnamespaces there as in a real cluster. It is safe
// to call again.
func InstallHNC(ctx context.Context, env *testenv.Env) error {
	dir, err := testenv.ModuleDir(ctx, HNCModule)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, "config", "crd", "bases", "hnc.x-k8s.io_subnamespaceanchors.yaml"))
	if err != nil {
		return err
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		return fmt.Errorf("reading the SubnamespaceAnchor CRD: %w", err)
	}
	ext, err := apiextensions.NewForConfig(env.Admin)
	if err != nil {
		return err
	}
	crds := ext.ApiextensionsV1().CustomResourceDefinitions()
	if _, err := crds.Create(ctx, &crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("installing the SubnamespaceAnchor CRD: %w", err)
	}
	dyn, err := dynamic.NewForConfig(env.Admin)
	if err != nil {
		return err
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(namespaces.SubnamespaceAnchorsResource).Namespace("default").List(ctx, metav1.ListOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the SubnamespaceAnchor API: %w", err)
	}
	if err := installHNCAdminRole(ctx, env, dir); err != nil {
		return err
	}
	if err := testenv.AggregateClusterRoles(ctx, env.AdminClient); err != nil {
		return err
	}
	r := namespaces.SubnamespaceAnchorsResource
	return waitAllowed(ctx, env, testenv.TenantNamespaces[0], "patch", r.Group, r.Resource)
}

func installHNCAdminRole(ctx context.Context, env *testenv.Env, hncDir string) error {
	data, err := os.ReadFile(filepath.Join(hncDir, "config", "rbac", "hnc_admin.yaml"))
	if err != nil {
		return err
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(data, &role); err != nil {
		return fmt.Errorf("reading HNC's admin role: %w", err)
	}
	role.Name = HNCAdminRole
	if _, err := env.AdminClient.RbacV1().ClusterRoles().Create(ctx, &role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// waitAllowed waits until the RBAC authorizer, which reads bindings through a cache, lets
// the developer do verb on resource in ns.
func waitAllowed(ctx context.Context, env *testenv.Env, ns, verb, group, resource string) error {
	dev, err := kubernetes.NewForConfig(env.Developer)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		review, err := dev.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: ns, Verb: verb, Group: group, Resource: resource}},
		}, metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		return review.Status.Allowed, nil
	})
}

func createIfMissing(ctx context.Context, env *testenv.Env, rb *rbacv1.RoleBinding) error {
	_, err := env.AdminClient.RbacV1().RoleBindings(rb.Namespace).Create(ctx, rb, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// secretMu serialises the tests of one package that change the shared cluster Secret.
var secretMu sync.Mutex

// Platform plays HNC and the platform for one test. Lock it with Hold for the duration of
// a test that changes the cluster Secret.
type Platform struct {
	Env *testenv.Env
	t   testing.TB
}

// Hold takes the package's cluster-Secret lock until the test ends, and restores the
// Secret's namespaces field when it does.
func Hold(t testing.TB, env *testenv.Env) *Platform {
	t.Helper()
	secretMu.Lock()
	ctx := context.Background()
	s, err := env.AdminClient.CoreV1().Secrets(env.Profile.ArgoCD.Namespace).Get(ctx, testenv.ClusterSecretName, metav1.GetOptions{})
	if err != nil {
		secretMu.Unlock()
		t.Fatalf("reading the cluster Secret: %v", err)
	}
	original := string(s.Data["namespaces"])
	t.Cleanup(func() {
		defer secretMu.Unlock()
		if err := setNamespaces(context.Background(), env, original); err != nil {
			t.Errorf("restoring the cluster Secret: %v", err)
		}
	})
	return &Platform{Env: env, t: t}
}

// CreateNamespace does what HNC does for the anchor child in parent: creates the
// namespace with HNC's tree labels and annotation, copies the parent's RoleBindings into it
// (HNC propagates them), and sets the anchor's state to Ok. The namespace is deleted when
// the test ends.
func (p *Platform) CreateNamespace(ctx context.Context, parent, child string) error {
	c := p.Env.AdminClient
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: child,
		Labels: map[string]string{
			child + namespaces.TreeDepthLabelSuffix:  "0",
			parent + namespaces.TreeDepthLabelSuffix: "1",
		},
		Annotations: map[string]string{namespaces.SubnamespaceOfAnnotation: parent},
	}}
	if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating namespace %s: %w", child, err)
	}
	p.t.Cleanup(func() { _ = c.CoreV1().Namespaces().Delete(context.Background(), child, metav1.DeleteOptions{}) })
	rbs, err := c.RbacV1().RoleBindings(parent).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, rb := range rbs.Items {
		copied := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: child, Name: rb.Name}, RoleRef: rb.RoleRef, Subjects: rb.Subjects}
		if err := createIfMissing(ctx, p.Env, copied); err != nil {
			return err
		}
	}
	if err := waitAllowed(ctx, p.Env, child, "list", "", "persistentvolumeclaims"); err != nil {
		return fmt.Errorf("waiting for the copied RoleBindings of %s: %w", child, err)
	}
	return p.SetAnchorState(ctx, parent, child, namespaces.AnchorStateOk)
}

// SetAnchorState writes status.status of an anchor as HNC would.
func (p *Platform) SetAnchorState(ctx context.Context, parent, child, state string) error {
	dyn, err := dynamic.NewForConfig(p.Env.Admin)
	if err != nil {
		return err
	}
	anchors := dyn.Resource(namespaces.SubnamespaceAnchorsResource).Namespace(parent)
	a, err := anchors.Get(ctx, child, metav1.GetOptions{})
	if err != nil {
		return err
	}
	a.Object["status"] = map[string]any{"status": state}
	_, err = anchors.Update(ctx, a, metav1.UpdateOptions{})
	return err
}

// AddManaged adds namespaces to the cluster Secret's namespaces field, as the platform job
// does.
func (p *Platform) AddManaged(ctx context.Context, namespaces ...string) error {
	s, err := p.Env.AdminClient.CoreV1().Secrets(p.Env.Profile.ArgoCD.Namespace).Get(ctx, testenv.ClusterSecretName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	list := strings.Split(string(s.Data["namespaces"]), ",")
	for _, n := range namespaces {
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return setNamespaces(ctx, p.Env, strings.Join(list, ","))
}

func setNamespaces(ctx context.Context, env *testenv.Env, value string) error {
	secrets := env.AdminClient.CoreV1().Secrets(env.Profile.ArgoCD.Namespace)
	s, err := secrets.Get(ctx, testenv.ClusterSecretName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	s.Data["namespaces"] = []byte(value)
	_, err = secrets.Update(ctx, s, metav1.UpdateOptions{})
	return err
}

// After runs fn after d in the background and reports its error to the test; the test
// waits for it before ending.
func (p *Platform) After(d time.Duration, fn func(context.Context) error) {
	done := make(chan struct{})
	p.t.Cleanup(func() { <-done })
	go func() {
		defer close(done)
		time.Sleep(d)
		if err := fn(context.Background()); err != nil {
			p.t.Errorf("playing the platform: %v", err)
		}
	}()
}
