package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// The identities of the environment.
const (
	// DeveloperUser is an application developer of the tenant, with the rights the
	// platform's documentation gives: admin in the tenant namespaces and a few named
	// objects in the Argo CD namespace.
	DeveloperUser = "dev@example.com"
	// DeveloperGroup is the developer's OIDC group.
	DeveloperGroup = "tenant-developers"
	// DeveloperRole is the Role in the Argo CD namespace that holds the developer's rights.
	DeveloperRole = "ck8sargo-developer"
	// ClusterSecretName is Argo CD's cluster Secret for the in-cluster destination.
	ClusterSecretName = "cluster-kubernetes.default.svc"
)

// TenantNamespaces are the team's namespaces, listed as managed in the cluster Secret.
var TenantNamespaces = []string{"shop", "shop-staging"}

// Env is a running control plane laid out like the platform.
type Env struct {
	// Admin is a cluster-admin config, for arranging a test.
	Admin *rest.Config
	// Developer is a config for DeveloperUser, for acting as a user of the plugin.
	Developer *rest.Config
	// AdminKubeconfig and DeveloperKubeconfig are kubeconfig files for the two identities,
	// for running the plugin binary.
	AdminKubeconfig, DeveloperKubeconfig string
	// Profile is the platform profile that matches this layout.
	Profile argocdmanaged.Profile
	// AdminClient is a typed client for Admin.
	AdminClient kubernetes.Interface

	env *envtest.Environment
	dir string
}

// Start starts kube-apiserver and etcd from BinDir, installs the Argo CD CRDs and lays out
// the platform. Stop must be called, also when a later step fails.
func Start(ctx context.Context) (*Env, error) {
	bin := BinDir()
	if err := checkBinaries(bin); err != nil {
		return nil, err
	}
	crds, err := ArgoCDCRDFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("finding the Argo CD CRDs: %w", err)
	}
	dir, err := os.MkdirTemp("", "ck8sargo-testenv-")
	if err != nil {
		return nil, err
	}
	e := &Env{
		env: &envtest.Environment{
			BinaryAssetsDirectory: bin,
			// Generous timeouts: a CI machine with two cores may be building other packages
			// while the control plane starts.
			ControlPlaneStartTimeout: 2 * time.Minute,
			ControlPlaneStopTimeout:  time.Minute,
			CRDInstallOptions: envtest.CRDInstallOptions{
				Paths: crds, ErrorIfPathMissing: true, MaxTime: 2 * time.Minute,
			},
		},
		dir:     dir,
		Profile: argocdmanaged.DefaultProfile(),
	}
	e.Profile.Namespaces.Managed = slices.Clone(TenantNamespaces)
	if e.Admin, err = e.env.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the test control plane: %w", err)
	}
	if err := e.setUp(ctx); err != nil {
		_ = e.Stop()
		return nil, err
	}
	return e, nil
}

func (e *Env) setUp(ctx context.Context) error {
	var err error
	if e.AdminClient, err = kubernetes.NewForConfig(e.Admin); err != nil {
		return err
	}
	if err := e.layOut(ctx); err != nil {
		return fmt.Errorf("laying out the platform: %w", err)
	}
	admin, err := e.env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("adding admin user: %w", err)
	}
	dev, err := e.env.AddUser(envtest.User{Name: DeveloperUser, Groups: []string{DeveloperGroup}}, nil)
	if err != nil {
		return fmt.Errorf("adding developer user: %w", err)
	}
	e.Developer = dev.Config()
	if e.AdminKubeconfig, err = writeKubeconfig(e.dir, "admin", admin); err != nil {
		return err
	}
	if e.DeveloperKubeconfig, err = writeKubeconfig(e.dir, "developer", dev); err != nil {
		return err
	}
	return nil
}

func writeKubeconfig(dir, name string, user *envtest.AuthenticatedUser) (string, error) {
	data, err := user.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("kubeconfig for %s: %w", name, err)
	}
	// envtest names the context after the user; give it a name a person would recognise.
	data = []byte(strings.ReplaceAll(string(data), "envtest", "ck8sargo-"+name))
	path := filepath.Join(dir, name+".kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// Stop stops the control plane and removes its files.
func (e *Env) Stop() error {
	err := e.env.Stop()
	os.RemoveAll(e.dir)
	return err
}

func (e *Env) layOut(ctx context.Context) error {
	p := e.Profile
	platform := map[string]string{PlatformOwnerKey: PlatformOwnerVal}
	for _, ns := range p.Namespaces.Platform {
		if err := e.ensureNamespace(ctx, ns, platform); err != nil {
			return err
		}
	}
	for _, ns := range TenantNamespaces {
		if err := e.ensureNamespace(ctx, ns, nil); err != nil {
			return err
		}
	}
	if err := AggregateClusterRoles(ctx, e.AdminClient); err != nil {
		return err
	}
	argo := p.ArgoCD.Namespace
	objects := []func() error{
		func() error { return e.create(ctx, clusterSecret(p)) },
		func() error {
			return e.create(ctx, &corev1.ConfigMap{ObjectMeta: argoMeta(argo, p.Notifications.ConfigMap)})
		},
		func() error {
			return e.create(ctx, &corev1.Secret{ObjectMeta: argoMeta(argo, p.Notifications.Secret)})
		},
		func() error { return e.create(ctx, developerRole(p)) },
		func() error { return e.create(ctx, binding(argo, DeveloperRole, "Role")) },
	}
	for _, ns := range TenantNamespaces {
		objects = append(objects, func() error { return e.create(ctx, binding(ns, "admin", "ClusterRole")) })
	}
	for _, create := range objects {
		if err := create(); err != nil {
			return err
		}
	}
	return nil
}

// The owner label of platform namespaces, as the platform writes it.
const (
	PlatformOwnerKey = argocdmanaged.PlatformOwnerLabel
	PlatformOwnerVal = argocdmanaged.PlatformOwnerValue
)

func (e *Env) ensureNamespace(ctx context.Context, name string, labels map[string]string) error {
	nsc := e.AdminClient.CoreV1().Namespaces()
	ns, err := nsc.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = nsc.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
		return err
	}
	if err != nil || len(labels) == 0 {
		return err
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	for k, v := range labels {
		ns.Labels[k] = v
	}
	_, err = nsc.Update(ctx, ns, metav1.UpdateOptions{})
	return err
}

func argoMeta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app.kubernetes.io/part-of": "argocd"}}
}

func clusterSecret(p argocdmanaged.Profile) *corev1.Secret {
	m := argoMeta(p.ArgoCD.Namespace, ClusterSecretName)
	m.Labels[argocdmanaged.SecretTypeLabel] = argocdmanaged.SecretTypeCluster
	return &corev1.Secret{ObjectMeta: m, Type: corev1.SecretTypeOpaque, StringData: map[string]string{
		"name":       p.ArgoCD.ServerName,
		"server":     p.ArgoCD.Server,
		"namespaces": strings.Join(TenantNamespaces, ","),
		"config":     `{"tlsClientConfig":{"insecure":false}}`,
	}}
}

// developerRole grants exactly the profile's DeveloperRights: what the platform's
// documentation says a developer may do in the Argo CD namespace.
func developerRole(p argocdmanaged.Profile) *rbacv1.Role {
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: p.ArgoCD.Namespace, Name: DeveloperRole}}
	for _, r := range p.DeveloperRights() {
		rule := rbacv1.PolicyRule{APIGroups: []string{r.Group}, Resources: []string{r.Resource}, Verbs: []string{r.Verb}}
		if r.Name != "" {
			rule.ResourceNames = []string{r.Name}
		}
		role.Rules = append(role.Rules, rule)
	}
	return role
}

func binding(ns, role, kind string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ck8sargo-developers-" + strings.ToLower(role)},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: role},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: DeveloperGroup}},
	}
}

func (e *Env) create(ctx context.Context, obj any) error {
	var err error
	c := e.AdminClient
	switch o := obj.(type) {
	case *corev1.Secret:
		_, err = c.CoreV1().Secrets(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
	case *corev1.ConfigMap:
		_, err = c.CoreV1().ConfigMaps(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
	case *rbacv1.Role:
		_, err = c.RbacV1().Roles(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
	case *rbacv1.RoleBinding:
		_, err = c.RbacV1().RoleBindings(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
	default:
		return fmt.Errorf("testenv cannot create %T", obj)
	}
	if err != nil {
		return fmt.Errorf("creating %T: %w", obj, err)
	}
	return nil
}

// AddUser adds an identity with no rights beyond what its groups are bound to, and returns
// a kubeconfig file for it (for running the plugin) and its REST config.
func (e *Env) AddUser(name string, groups ...string) (string, *rest.Config, error) {
	u, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return "", nil, fmt.Errorf("adding user %s: %w", name, err)
	}
	path, err := writeKubeconfig(e.dir, strings.ReplaceAll(name, "@", "-at-"), u)
	if err != nil {
		return "", nil, err
	}
	return path, u.Config(), nil
}

// AggregateClusterRoles fills the rules of every ClusterRole with an aggregationRule from
// the ClusterRoles its selectors match, as kube-controller-manager's clusterrole-aggregation
// controller does. The test control plane runs no controller manager, so without this the
// built-in admin role, bound to the developer in the tenant namespaces, grants nothing.
func AggregateClusterRoles(ctx context.Context, c kubernetes.Interface) error {
	roles := c.RbacV1().ClusterRoles()
	// Aggregated roles can select other aggregated roles (admin selects edit's rules);
	// a few rounds reach the fixed point.
	for range 3 {
		list, err := roles.List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for i := range list.Items {
			agg := &list.Items[i]
			if agg.AggregationRule == nil {
				continue
			}
			var rules []rbacv1.PolicyRule
			for _, sel := range agg.AggregationRule.ClusterRoleSelectors {
				selector, err := metav1.LabelSelectorAsSelector(&sel)
				if err != nil {
					return err
				}
				for _, r := range list.Items {
					if r.Name != agg.Name && selector.Matches(labels.Set(r.Labels)) {
						rules = append(rules, r.Rules...)
					}
				}
			}
			if equality.Semantic.DeepEqual(rules, agg.Rules) {
				continue
			}
			agg.Rules = rules
			if _, err := roles.Update(ctx, agg, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("aggregating ClusterRole %s: %w", agg.Name, err)
			}
		}
	}
	return nil
}
