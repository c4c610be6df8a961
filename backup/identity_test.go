package backup_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// adminAndDeveloper skips without the test environment and returns the clients of the
// administrator, who sets up and checks, and of the platform's restricted developer, who
// exports and restores in the real Argo CD namespace.
func adminAndDeveloper(t *testing.T) (admin, dev *argocdmanaged.Clients) {
	t.Helper()
	testenv.Require(t, env)
	return adminClients(t), developerClients(t)
}

// typedSecret is a Secret holding data and labelled as Argo CD's Secret of secretType.
func typedSecret(ns, name, secretType string, data map[string]any) *unstructured.Unstructured {
	s := obj("v1", "Secret", ns, name, map[string]any{"data": data})
	s.SetLabels(map[string]string{argocdmanaged.SecretTypeLabel: secretType})
	return s
}

// TestDeveloperExportsAndRestoresWhatTheirRightsAllow runs as the restricted developer of
// the platform, in the real Argo CD namespace: they may manage Argo CD objects and a few
// named Secrets, but not list Secrets, so the repository Secrets cannot be in their backup
// and the export says so.
func TestDeveloperExportsAndRestoresWhatTheirRightsAllow(t *testing.T) {
	admin, dev := adminAndDeveloper(t)
	ctx := context.Background()
	p := env.Profile
	ns := p.ArgoCD.Namespace
	api := argocdmanaged.APIVersion

	helmKey := typedSecret(ns, p.Features.HelmSecrets.KeySecretName, argocdmanaged.SecretTypeHelmSecrets, map[string]any{p.Features.HelmSecrets.KeySecretDataKey: "LS0tLS1CRUdJTiBQR1A="})
	repo := typedSecret(ns, "dev-test-repo", argocdmanaged.SecretTypeRepository, map[string]any{"url": "aHR0cHM6Ly94"})
	objs := []*unstructured.Unstructured{helmKey, repo,
		obj(api, "AppProject", ns, "dev-test", map[string]any{"spec": map[string]any{"sourceRepos": []any{"*"}}})}
	for i := range 5 {
		objs = append(objs, obj(api, "Application", ns, fmt.Sprintf("dev-test-%d", i), map[string]any{"spec": map[string]any{
			"project": "dev-test", "source": map[string]any{"repoURL": "https://x", "path": "."},
			"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
		}}))
	}
	createAll(t, admin, objs)
	t.Cleanup(func() {
		deleteAll(t, admin, ns, "Application", "AppProject")
		for _, n := range []string{helmKey.GetName(), repo.GetName()} {
			_ = admin.Kube.CoreV1().Secrets(ns).Delete(context.Background(), n, metav1.DeleteOptions{})
		}
	})

	st := fileStore(t)
	id := newIdentity(t)
	exp, err := backup.Export(ctx, dev, st, backup.ExportOptions{Profile: p, Recipients: []string{id.Recipient().String()}})
	require.NoError(t, err)
	require.Len(t, exp.Warnings, 1)
	assert.Contains(t, exp.Warnings[0], "you may not list Secrets in namespace "+ns)
	assert.Contains(t, exp.Warnings[0], "ask the Platform Administrator for the right to list secrets")
	info, err := st.Stat(ctx, exp.Name)
	require.NoError(t, err)
	var refs []string
	for _, e := range info.Manifest.Objects {
		refs = append(refs, e.Ref())
	}
	assert.Contains(t, refs, "Secret/"+helmKey.GetName())
	assert.Contains(t, refs, "Secret/"+p.Notifications.Secret)
	assert.Contains(t, refs, "ConfigMap/"+p.Notifications.ConfigMap)
	assert.NotContains(t, refs, "Secret/dev-test-repo", "a Secret the developer may not read")
	assert.Equal(t, 5, exp.Counts["Application"])
	assert.Equal(t, exp.Warnings, info.Manifest.Warnings)

	// The disaster: the developer's objects are gone.
	deleteAll(t, admin, ns, "Application", "AppProject")
	require.NoError(t, admin.Kube.CoreV1().Secrets(ns).Delete(ctx, helmKey.GetName(), metav1.DeleteOptions{}))

	res, err := backup.Restore(ctx, dev, st, exp.Name, backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}})
	require.NoError(t, err)
	assert.Equal(t, 7, res.Created, "5 Applications, the AppProject and the helm-secrets key")
	assert.Equal(t, 2, res.Skipped, "the notifications ConfigMap and Secret exist")
	got, err := admin.Kube.CoreV1().Secrets(ns).Get(ctx, helmKey.GetName(), metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "-----BEGIN PGP", string(got.Data[p.Features.HelmSecrets.KeySecretDataKey]))
	assert.Len(t, liveObjects(t, admin, ns, "Application"), 5)
}

// TestTheScheduledRoleIsEnoughForAFullExport exports as a ServiceAccount that holds only
// the Role `backup schedule` prints: the export must be complete, with no warning.
func TestTheScheduledRoleIsEnoughForAFullExport(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	admin := adminClients(t)
	p := argoProfile(t)
	p.Backup.ConfigMaps = []string{"argocd-cm-extra"}
	ns := p.ArgoCD.Namespace
	f := newFixture(t, p, sizes{apps: 4, projects: 2, appsets: 2, repos: 3})
	extra := obj("v1", "ConfigMap", ns, "argocd-cm-extra", map[string]any{"data": map[string]any{"k": "v"}})
	createAll(t, admin, append(f.all(), extra))

	run, err := backup.Schedule(backup.ScheduleOptions{
		Profile: p, Namespace: "shop", To: "s3://b?endpoint=http://s3.example", Image: "harbor.example.com/tools/kubectl-ck8sargo:v0.1.0",
		Recipients: []string{newIdentity(t).Recipient().String()},
	})
	require.NoError(t, err)
	var role *rbacv1.Role
	var binding *rbacv1.RoleBinding
	for _, o := range run.PlatformObjects {
		switch v := o.(type) {
		case *rbacv1.Role:
			role = v
		case *rbacv1.RoleBinding:
			binding = v
		}
	}
	require.NotNil(t, role)
	require.NotNil(t, binding)
	_, err = admin.Kube.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = admin.Kube.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{})
	require.NoError(t, err)

	cfg := rest.CopyConfig(fastConfig(env.Admin))
	sub := binding.Subjects[0]
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + sub.Namespace + ":" + sub.Name}
	sa, err := argocdmanaged.NewClientsForConfig(cfg)
	require.NoError(t, err)
	// The API server's RBAC authorizer sees a new Role and RoleBinding through an informer,
	// a moment after they are stored; under load that moment is long enough to fail the
	// export. Wait until the ServiceAccount's rights are in effect, as a CronJob created
	// after them would find them.
	require.Eventually(t, func() bool {
		_, err := sa.Kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "the scheduled Role never took effect")
	res, err := backup.Export(ctx, sa, fileStore(t), backup.ExportOptions{Profile: p, IncludePlaintextSecrets: true})
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	assert.Equal(t, len(f.objects)+1, res.Objects)

	// Read rights only: the ServiceAccount cannot change anything.
	_, err = sa.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).Create(ctx, f.byKind("Application")["app-00000"], metav1.CreateOptions{})
	assert.Error(t, err)
	for _, r := range role.Rules {
		assert.Subset(t, []string{"get", "list"}, r.Verbs)
	}
}

// TestDeveloperRestoresASecretTheyMayCreateButNotRead restores, as the developer, a
// repository Secret from a backup taken with more rights (such as the scheduled job's): the
// developer may create Secrets but not read them, so the restore creates it, and a second
// run leaves it alone.
func TestDeveloperRestoresASecretTheyMayCreateButNotRead(t *testing.T) {
	admin, dev := adminAndDeveloper(t)
	ctx := context.Background()
	p := env.Profile
	ns := p.ArgoCD.Namespace
	repo := typedSecret(ns, "dev-restore-repo", argocdmanaged.SecretTypeRepository, map[string]any{"password": "c2VjcmV0LXZhbHVl"})
	createAll(t, admin, []*unstructured.Unstructured{repo})
	t.Cleanup(func() {
		_ = admin.Kube.CoreV1().Secrets(ns).Delete(context.Background(), "dev-restore-repo", metav1.DeleteOptions{})
	})

	st := fileStore(t)
	id := newIdentity(t)
	exp, err := backup.Export(ctx, admin, st, backup.ExportOptions{Profile: p, Recipients: []string{id.Recipient().String()}})
	require.NoError(t, err)
	require.NoError(t, admin.Kube.CoreV1().Secrets(ns).Delete(ctx, "dev-restore-repo", metav1.DeleteOptions{}))

	opts := backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}, Only: []string{"secret/dev-restore-repo"}}
	res, err := backup.Restore(ctx, dev, st, exp.Name, opts)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Created)
	got, err := admin.Kube.CoreV1().Secrets(ns).Get(ctx, "dev-restore-repo", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "secret-value", string(got.Data["password"]))

	res, err = backup.Restore(ctx, dev, st, exp.Name, opts)
	require.NoError(t, err)
	require.Equal(t, 1, res.Skipped)
	assert.Contains(t, res.Objects[0].Message, "you may not read it")
}
