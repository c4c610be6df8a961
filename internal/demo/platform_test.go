package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/namespacestest"
	"github.com/ck8sargo/ck8sargo/namespaces"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

func TestTheStandInForHNCGivesTheDeveloperTheParentsRightsInASubnamespace(t *testing.T) {
	testenv.Require(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, namespacestest.InstallHNC(ctx, env))
	require.NoError(t, playPlatform(ctx, env))

	parent, child := testenv.TenantNamespaces[0], "demo-child"
	dev, err := dynamic.NewForConfig(env.Developer)
	require.NoError(t, err)
	anchor := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": namespaces.HNCGroup + "/" + namespaces.HNCVersion, "kind": namespaces.KindSubnamespaceAnchor,
		"metadata": map[string]any{"name": child, "namespace": parent},
	}}
	_, err = dev.Resource(namespaces.SubnamespaceAnchorsResource).Namespace(parent).Create(ctx, anchor, metav1.CreateOptions{})
	require.NoError(t, err, "the developer, admin in the parent, makes the anchor")

	// The platform job lists the namespace last, after HNC has done its part.
	require.Eventually(t, func() bool {
		s, err := env.AdminClient.CoreV1().Secrets(env.Profile.ArgoCD.Namespace).Get(ctx, testenv.ClusterSecretName, metav1.GetOptions{})
		return err == nil && slices.Contains(strings.Split(string(s.Data["namespaces"]), ","), child)
	}, 45*time.Second, 200*time.Millisecond)

	devKube, err := kubernetes.NewForConfig(env.Developer)
	require.NoError(t, err)
	_, err = devKube.AppsV1().Deployments(child).List(ctx, metav1.ListOptions{})
	assert.NoError(t, err, "the developer may read the subnamespace's workloads")

	ns, err := env.AdminClient.CoreV1().Namespaces().Get(ctx, child, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, parent, ns.Annotations[namespaces.SubnamespaceOfAnnotation])
	assert.Equal(t, "0", ns.Labels[child+namespaces.TreeDepthLabelSuffix])
	assert.Equal(t, "1", ns.Labels[parent+namespaces.TreeDepthLabelSuffix])

	parentBindings, err := env.AdminClient.RbacV1().RoleBindings(parent).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	childBindings, err := env.AdminClient.RbacV1().RoleBindings(child).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, childBindings.Items, len(parentBindings.Items))
	for _, rb := range childBindings.Items {
		assert.Equal(t, parent, rb.Labels[inheritedFromLabel], "copied RoleBinding %s names its source", rb.Name)
	}

	a, err := dev.Resource(namespaces.SubnamespaceAnchorsResource).Namespace(parent).Get(ctx, child, metav1.GetOptions{})
	require.NoError(t, err)
	state, _, _ := unstructured.NestedString(a.Object, "status", "status")
	assert.Equal(t, namespaces.AnchorStateOk, state)
}

func TestTreeLabelsCountEveryAncestor(t *testing.T) {
	got := treeLabels("shop", "shop-web", map[string]string{
		"shop" + namespaces.TreeDepthLabelSuffix: "0",
		"org" + namespaces.TreeDepthLabelSuffix:  "1",
		"kubernetes.io/metadata.name":            "shop",
	})
	assert.Equal(t, map[string]string{
		"shop-web" + namespaces.TreeDepthLabelSuffix: "0",
		"shop" + namespaces.TreeDepthLabelSuffix:     "1",
		"org" + namespaces.TreeDepthLabelSuffix:      "2",
	}, got)
}

// The profile is written from discovery; written before the subnamespace exists, it
// would call that namespace unmanaged in every later step.
func TestTheProfileIsWrittenAfterTheSubnamespaceIsCreated(t *testing.T) {
	index := func(args ...string) int {
		return slices.IndexFunc(steps(), func(s step) bool { return len(s.args) >= len(args) && slices.Equal(s.args[:len(args)], args) })
	}
	create, init := index("namespace", "create"), index("profile", "init")
	require.NotEqual(t, -1, create)
	require.NotEqual(t, -1, init)
	assert.Less(t, create, init)
	for i, s := range steps() {
		if i < init && len(s.args) > 0 && s.args[0] == "policy" {
			t.Errorf("step %q runs policy before the profile is written", s.title)
		}
	}
}
