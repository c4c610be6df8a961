package namespaces_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/namespacestest"
	"github.com/ck8sargo/ck8sargo/namespaces"
)

var (
	hncOnce sync.Once
	hncErr  error
	// errBeforeHNC is what creating an anchor answered before HNC's CRD was installed.
	errBeforeHNC error
	nameSeq      atomic.Int32
)

// requireHNC installs HNC's CRD into the package's control plane once. Before installing
// it, it records what an anchor request answers without HNC.
func requireHNC(t *testing.T) {
	t.Helper()
	testenv.Require(t, env)
	hncOnce.Do(func() {
		ctx := context.Background()
		_, errBeforeHNC = namespaces.CreateSubnamespace(ctx, clients(t, env.Developer), env.Profile, testenv.TenantNamespaces[0], "before-hnc")
		hncErr = namespacestest.InstallHNC(ctx, env)
	})
	require.NoError(t, hncErr, "installing HNC's SubnamespaceAnchor CRD")
}

func clients(t *testing.T, cfg *rest.Config) *argocdmanaged.Clients {
	t.Helper()
	c, err := argocdmanaged.NewClientsForConfig(cfg)
	require.NoError(t, err)
	return c
}

func childName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%100000, nameSeq.Add(1))
}

// createChild applies an anchor in shop as the developer and removes it when the test ends.
func createChild(t *testing.T, prefix string) (parent, child string) {
	t.Helper()
	parent, child = testenv.TenantNamespaces[0], childName(prefix)
	_, err := namespaces.CreateSubnamespace(context.Background(), clients(t, env.Developer), env.Profile, parent, child)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = clients(t, env.Admin).Dynamic.Resource(namespaces.SubnamespaceAnchorsResource).Namespace(parent).
			Delete(context.Background(), child, metav1.DeleteOptions{})
	})
	return parent, child
}

// createdChild is createChild once the platform has made the subnamespace.
func createdChild(t *testing.T, prefix string) (parent, child string) {
	t.Helper()
	platform := namespacestest.Hold(t, env)
	parent, child = createChild(t, prefix)
	require.NoError(t, platform.CreateNamespace(context.Background(), parent, child))
	return parent, child
}

func TestCreateSubnamespace_refusedWhenHNCIsNotInstalled(t *testing.T) {
	requireHNC(t)
	var refused *namespaces.AnchorRefusedError
	require.ErrorAs(t, errBeforeHNC, &refused)
	assert.ErrorIs(t, errBeforeHNC, namespaces.ErrHNCNotInstalled)
	assert.Contains(t, errBeforeHNC.Error(), "HNC is not installed")
}

func TestCreateSubnamespace_appliesTheAnchorAsTheUserWithOurFieldManager(t *testing.T) {
	requireHNC(t)
	ctx := context.Background()
	parent, child := createChild(t, "feature")

	got, err := clients(t, env.Admin).Dynamic.Resource(namespaces.SubnamespaceAnchorsResource).Namespace(parent).Get(ctx, child, metav1.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.GetManagedFields(), 1)
	mf := got.GetManagedFields()[0]
	assert.Equal(t, argocdmanaged.DefaultFieldManager, mf.Manager)
	assert.Equal(t, metav1.ManagedFieldsOperationApply, mf.Operation)

	// Applying again is not an error: the command can be re-run.
	sub, err := namespaces.CreateSubnamespace(ctx, clients(t, env.Developer), env.Profile, parent, child)
	require.NoError(t, err)
	assert.Equal(t, &namespaces.Subnamespace{Parent: parent, Name: child}, sub)
}

func TestCreateSubnamespace_refusedWithoutRightsInTheParentNamingThePermission(t *testing.T) {
	requireHNC(t)
	parent := env.Namespace(t, "not-yours")
	_, err := namespaces.CreateSubnamespace(context.Background(), clients(t, env.Developer), env.Profile, parent, "child")
	var refused *namespaces.AnchorRefusedError
	require.ErrorAs(t, err, &refused)
	var forbidden *argocdmanaged.ForbiddenError
	require.ErrorAs(t, err, &forbidden)
	assert.Contains(t, err.Error(), fmt.Sprintf("you have no rights to make subnamespaces in %q", parent))
	assert.Contains(t, err.Error(), "ask the Platform Administrator for the right to create and patch subnamespaceanchors.hnc.x-k8s.io in namespace "+parent)
}

func TestCreateSubnamespace_rejectsBadNamesBeforeAskingTheCluster(t *testing.T) {
	p := argocdmanaged.DefaultProfile()
	tests := []struct {
		name, parent, child, want string
	}{
		{"empty child", "shop", "", "subnamespace namespace name is empty"},
		{"upper case", "shop", "Feature", `"Feature" is not a valid subnamespace namespace name`},
		{"too long", "shop", "a123456789a123456789a123456789a123456789a123456789a123456789abcd", "not a valid subnamespace"},
		{"own parent", "shop", "shop", "cannot be its own subnamespace"},
		{"platform parent", "kube-system", "mine", `"kube-system" is owned by the platform`},
		{"platform name", "shop", "monitoring", `"monitoring" is the name of a platform namespace`},
		{"argocd parent", "argocd-system", "apps", `"argocd-system" is owned by the platform`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No client: the name checks come before any request.
			_, err := namespaces.CreateSubnamespace(context.Background(), &argocdmanaged.Clients{}, p, tt.parent, tt.child)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestWaitForNamespace_returnsAsSoonAsTheNamespaceExistsAndIsManaged(t *testing.T) {
	requireHNC(t)
	platform := namespacestest.Hold(t, env)
	parent, child := createChild(t, "wait")
	const nsAfter, managedAfter = 300 * time.Millisecond, 1500 * time.Millisecond
	platform.After(nsAfter, func(ctx context.Context) error { return platform.CreateNamespace(ctx, parent, child) })
	platform.After(managedAfter, func(ctx context.Context) error { return platform.AddManaged(ctx, child) })

	var seen []namespaces.NamespaceReadiness
	r, err := namespaces.WaitForNamespace(context.Background(), clients(t, env.Admin), env.Profile, child, namespaces.WaitOptions{
		Parent: parent, Timeout: 30 * time.Second, Interval: 100 * time.Millisecond,
		Progress: func(r namespaces.NamespaceReadiness) { seen = append(seen, r) },
	})
	require.NoError(t, err)
	assert.True(t, r.Ready())
	assert.Empty(t, r.Missing())
	assert.GreaterOrEqual(t, r.Waited, managedAfter-100*time.Millisecond)
	assert.Less(t, r.Waited, managedAfter+time.Second, "the wait returns within about one interval of both being true")
	assert.Equal(t, namespaces.AnchorStateOk, r.AnchorState)

	require.NotEmpty(t, seen)
	assert.False(t, seen[0].Exists, "first check: nothing there yet")
	assert.Contains(t, seen[0].Missing()[0], "does not exist yet")
	var existsNotManaged bool
	for _, s := range seen {
		existsNotManaged = existsNotManaged || (s.Exists && !s.Managed)
	}
	assert.True(t, existsNotManaged, "progress showed the namespace existing before Argo CD managed it")
}

func TestWaitForNamespace_timesOutSayingWhatIsStillMissing(t *testing.T) {
	requireHNC(t)
	parent, child := createdChild(t, "slow")

	start := time.Now()
	r, err := namespaces.WaitForNamespace(context.Background(), clients(t, env.Admin), env.Profile, child, namespaces.WaitOptions{
		Parent: parent, Timeout: time.Second, Interval: 100 * time.Millisecond,
	})
	elapsed := time.Since(start)
	var timeout *namespaces.WaitTimeoutError
	require.ErrorAs(t, err, &timeout)
	assert.True(t, r.Exists)
	assert.False(t, r.Managed)
	assert.InDelta(t, time.Second, elapsed, float64(700*time.Millisecond))
	assert.Contains(t, err.Error(), fmt.Sprintf("namespace %q not ready after 1s", child))
	assert.Contains(t, err.Error(), "is not yet in the namespaces of Argo CD's cluster Secret argocd-system/"+testenv.ClusterSecretName)
	assert.NotContains(t, err.Error(), "does not exist yet")
}

func TestWaitForNamespace_endsAtOnceWhenHNCRefusesTheAnchor(t *testing.T) {
	requireHNC(t)
	platform := namespacestest.Hold(t, env)
	parent, child := createChild(t, "taken")
	require.NoError(t, platform.SetAnchorState(context.Background(), parent, child, namespaces.AnchorStateConflict))

	_, err := namespaces.WaitForNamespace(context.Background(), clients(t, env.Developer), env.Profile, child, namespaces.WaitOptions{
		Parent: parent, Timeout: time.Minute, Interval: 100 * time.Millisecond,
	})
	var refused *namespaces.AnchorRefusedError
	require.ErrorAs(t, err, &refused)
	assert.Contains(t, err.Error(), "HNC reports Conflict")
}

// The platform's documentation gives developers no right to read Argo CD's cluster
// Secret, so a developer's wait cannot see the managed list: it says so at once, naming
// the right to ask for, instead of waiting for a timeout.
func TestWaitForNamespace_asADeveloperWithoutReadOnTheClusterSecretNamesTheRight(t *testing.T) {
	requireHNC(t)
	_, child := createChild(t, "dev")
	_, err := namespaces.WaitForNamespace(context.Background(), clients(t, env.Developer), env.Profile, child, namespaces.WaitOptions{
		Timeout: time.Minute, Interval: 100 * time.Millisecond,
	})
	var forbidden *argocdmanaged.ForbiddenError
	require.ErrorAs(t, err, &forbidden)
	assert.Contains(t, err.Error(), fmt.Sprintf("checking whether Argo CD manages namespace %q", child))
	assert.Contains(t, err.Error(), "ask the Platform Administrator for the right to list secrets in namespace argocd-system")
}

func createApplication(t *testing.T, name, destNamespace string) {
	t.Helper()
	app := argocdmanaged.NewApplication(env.Profile.ArgoCD.Namespace, name)
	app.Spec.Project = "default"
	app.Spec.Destination = argocdmanaged.ApplicationDestination{Server: env.Profile.ArgoCD.Server, Namespace: destNamespace}
	app.Spec.Source = &argocdmanaged.ApplicationSource{RepoURL: "https://git.example.com/shop.git", Path: "deploy", TargetRevision: "main"}
	u, err := argocdmanaged.ToUnstructured(app)
	require.NoError(t, err)
	apps := clients(t, env.Developer).Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(env.Profile.ArgoCD.Namespace)
	_, err = apps.Create(context.Background(), u, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = apps.Delete(context.Background(), name, metav1.DeleteOptions{}) })
}

func TestListNamespaces_showsTheTreeByParentWithStatesAndApplications(t *testing.T) {
	requireHNC(t)
	ctx := context.Background()
	platform := namespacestest.Hold(t, env)
	parent, managed := createChild(t, "managed")
	_, pending := createChild(t, "pending")
	_, notCreated := createChild(t, "notcreated")
	require.NoError(t, platform.CreateNamespace(ctx, parent, managed))
	require.NoError(t, platform.CreateNamespace(ctx, parent, pending))
	require.NoError(t, platform.AddManaged(ctx, managed))
	app := childName("app")
	createApplication(t, app, managed)

	byName := func(tree *namespaces.NamespaceTree) map[string]*namespaces.NamespaceInfo {
		out := map[string]*namespaces.NamespaceInfo{}
		tree.Walk(func(n *namespaces.NamespaceInfo, _ int) { out[n.Name] = n })
		return out
	}

	t.Run("as admin", func(t *testing.T) {
		tree, err := namespaces.ListNamespaces(ctx, clients(t, env.Admin), env.Profile)
		require.NoError(t, err)
		ns := byName(tree)
		require.Contains(t, ns, parent)
		assert.Equal(t, namespaces.NamespaceManaged, ns[parent].State)
		assert.Equal(t, namespaces.NamespacePlatformOwned, ns["kube-system"].State)
		assert.Equal(t, namespaces.NamespacePlatformOwned, ns["argocd-system"].State)
		require.Contains(t, ns, managed)
		assert.Equal(t, namespaces.NamespaceManaged, ns[managed].State)
		assert.Equal(t, parent, ns[managed].Parent)
		assert.True(t, ns[managed].Subnamespace)
		assert.Equal(t, []string{app}, ns[managed].Applications)
		assert.Equal(t, namespaces.NamespaceNotYetManaged, ns[pending].State)
		assert.Equal(t, namespaces.NamespaceNotCreated, ns[notCreated].State)
		var children []string
		for _, c := range ns[parent].Children {
			children = append(children, c.Name)
		}
		assert.Subset(t, children, []string{managed, pending, notCreated}, "subnamespaces hang under their parent")
		assert.Empty(t, tree.Warnings)
	})

	t.Run("as developer", func(t *testing.T) {
		tree, err := namespaces.ListNamespaces(ctx, clients(t, env.Developer), env.Profile)
		require.NoError(t, err)
		ns := byName(tree)
		assert.NotContains(t, ns, "kube-system", "a developer sees only the namespaces it may read")
		require.Contains(t, ns, parent)
		require.Contains(t, ns, managed, "subnamespaces are found by following anchors")
		assert.Equal(t, []string{app}, ns[managed].Applications)
		// The developer cannot read the cluster Secret: the list falls back to the
		// profile's managed namespaces, and says so.
		assert.Equal(t, namespaces.NamespaceNotYetManaged, ns[managed].State)
		assert.Equal(t, namespaces.NamespaceManaged, ns[parent].State)
		require.NotEmpty(t, tree.Warnings)
		assert.Contains(t, tree.Warnings[0], "cannot read which namespaces Argo CD manages")
	})
}

func TestDeleteSubnamespace_refusesWhileAnApplicationTargetsTheNamespace(t *testing.T) {
	requireHNC(t)
	ctx := context.Background()
	parent, child := createdChild(t, "used")
	app := childName("shop-api")
	createApplication(t, app, child)
	dev := clients(t, env.Developer)

	plan, err := namespaces.PlanSubnamespaceDelete(ctx, dev, env.Profile, parent, child)
	require.NoError(t, err)
	assert.True(t, plan.Exists)
	assert.True(t, plan.Blocked())
	assert.Equal(t, []string{app}, plan.Applications)

	err = namespaces.DeleteSubnamespace(ctx, dev, plan, false)
	var refused *namespaces.DeleteRefusedError
	require.ErrorAs(t, err, &refused)
	assert.Contains(t, err.Error(), "Applications deploy into it ("+app+")")
	_, err = namespaces.GetSubnamespace(ctx, dev, parent, child)
	require.NoError(t, err, "a refused delete leaves the anchor")

	require.NoError(t, namespaces.DeleteSubnamespace(ctx, dev, plan, true))
	_, err = namespaces.GetSubnamespace(ctx, dev, parent, child)
	assert.ErrorContains(t, err, "is not a subnamespace of")
}

func TestDeleteSubnamespace_refusesWhileTheNamespaceHoldsVolumes(t *testing.T) {
	requireHNC(t)
	ctx := context.Background()
	parent, child := createdChild(t, "data")
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "db-data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	_, err := env.AdminClient.CoreV1().PersistentVolumeClaims(child).Create(ctx, pvc, metav1.CreateOptions{})
	require.NoError(t, err)

	plan, err := namespaces.PlanSubnamespaceDelete(ctx, clients(t, env.Developer), env.Profile, parent, child)
	require.NoError(t, err)
	assert.Equal(t, []string{"db-data"}, plan.PersistentVolumeClaims)
	err = namespaces.DeleteSubnamespace(ctx, clients(t, env.Developer), plan, false)
	assert.ErrorContains(t, err, "it holds PersistentVolumeClaims (db-data)")
}

func TestPlanSubnamespaceDelete_saysWhenTheNamespaceIsNotASubnamespace(t *testing.T) {
	requireHNC(t)
	_, err := namespaces.PlanSubnamespaceDelete(context.Background(), clients(t, env.Developer), env.Profile, "shop", "shop-staging")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no SubnamespaceAnchor "shop-staging" in namespace "shop"`)
	assert.False(t, errors.Is(err, namespaces.ErrHNCNotInstalled))
}
