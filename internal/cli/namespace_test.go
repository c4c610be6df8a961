package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/namespacestest"
	"github.com/ck8sargo/ck8sargo/namespaces"
)

var (
	nsHNCOnce sync.Once
	nsHNCErr  error
	nsSeq     atomic.Int32
)

func requireNamespaceEnv(t *testing.T) {
	t.Helper()
	testenv.Require(t, env)
	nsHNCOnce.Do(func() { nsHNCErr = namespacestest.InstallHNC(context.Background(), env) })
	require.NoError(t, nsHNCErr)
	old := namespaceWaitInterval
	namespaceWaitInterval = 100 * time.Millisecond
	t.Cleanup(func() { namespaceWaitInterval = old })
}

// runPlugin runs the command line as `kubectl ck8sargo` would, with stdin, and returns its
// exit code, error line and output.
func runPlugin(t *testing.T, kubeconfig, stdin string, args ...string) cmdResult {
	t.Helper()
	return execute(context.Background(), stdin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
}

func nsName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%100000, nsSeq.Add(1))
}

func anchors(t *testing.T, ns string) dynamic.ResourceInterface {
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	return dyn.Resource(namespaces.SubnamespaceAnchorsResource).Namespace(ns)
}

func deleteAnchorAtEnd(t *testing.T, parent, child string) {
	t.Cleanup(func() { _ = anchors(t, parent).Delete(context.Background(), child, metav1.DeleteOptions{}) })
}

// heldSubnamespace readies the environment for a namespace test whose platform job is held
// (namespacestest.Hold): it returns the platform, the first tenant namespace as parent,
// and a fresh child name after prefix whose anchor is removed when the test ends.
func heldSubnamespace(t *testing.T, prefix string) (platform *namespacestest.Platform, parent, child string) {
	t.Helper()
	requireNamespaceEnv(t)
	platform = namespacestest.Hold(t, env)
	parent, child = testenv.TenantNamespaces[0], nsName(prefix)
	deleteAnchorAtEnd(t, parent, child)
	return platform, parent, child
}

func TestNamespaceCreate_waitReturnsAsSoonAsTheNamespaceExistsAndIsManaged(t *testing.T) {
	platform, parent, child := heldSubnamespace(t, "feature")
	platform.After(300*time.Millisecond, func(ctx context.Context) error { return platform.CreateNamespace(ctx, parent, child) })
	platform.After(1200*time.Millisecond, func(ctx context.Context) error { return platform.AddManaged(ctx, child) })

	start := time.Now()
	res := runPlugin(t, env.AdminKubeconfig, "", "namespace", "create", child, "--parent", parent, "--wait=30s")
	elapsed := time.Since(start)

	require.Equal(t, ExitOK, res.code, res.msg)
	assert.Contains(t, res.stdout, fmt.Sprintf("subnamespaceanchor %s/%s applied", parent, child))
	assert.Contains(t, res.stdout, fmt.Sprintf("namespace %s is ready: it exists and Argo CD manages it", child))
	assert.Contains(t, res.stderr, fmt.Sprintf("waiting for %s (0s): namespace %q does not exist yet", child, child))
	assert.Contains(t, res.stderr, "is not yet in the namespaces of Argo CD's cluster Secret")
	assert.Less(t, elapsed, 1200*time.Millisecond+time.Second, "returns within about one interval of both being true")
}

func TestNamespaceCreate_waitTimesOutWithExit1SayingWhatIsMissing(t *testing.T) {
	platform, parent, child := heldSubnamespace(t, "never")
	platform.After(200*time.Millisecond, func(ctx context.Context) error { return platform.CreateNamespace(ctx, parent, child) })

	res := runPlugin(t, env.AdminKubeconfig, "", "namespace", "create", child, "--parent", parent, "--wait=1s")
	assert.Equal(t, ExitFindings, res.code)
	assert.Contains(t, res.msg, fmt.Sprintf("namespace %q not ready after 1s", child))
	assert.Contains(t, res.msg, "is not yet in the namespaces of Argo CD's cluster Secret argocd-system/"+testenv.ClusterSecretName)
	assert.NotContains(t, res.stdout, "is ready")
}

func TestNamespaceCreate_refusedAnchorExits2NamingTheMissingRight(t *testing.T) {
	requireNamespaceEnv(t)
	parent := env.Namespace(t, "not-yours")
	res := runPlugin(t, env.DeveloperKubeconfig, "", "namespace", "create", "mine", "--parent", parent, "--wait")
	assert.Equal(t, ExitError, res.code)
	assert.Contains(t, res.msg, fmt.Sprintf(`subnamespace "mine" of %q was refused: you have no rights to make subnamespaces in %q`, parent, parent))
	assert.Contains(t, res.msg, "ask the Platform Administrator for the right to create and patch subnamespaceanchors.hnc.x-k8s.io in namespace "+parent)
	assert.Empty(t, res.stdout)
}

func TestNamespaceCreate_asDeveloperWithoutAWaitWhenNotOnATerminal(t *testing.T) {
	requireNamespaceEnv(t)
	parent, child := testenv.TenantNamespaces[1], nsName("nowait")
	deleteAnchorAtEnd(t, parent, child)
	res := runPlugin(t, env.DeveloperKubeconfig, "", "namespace", "create", child, "--parent", parent)
	require.Equal(t, ExitOK, res.code, res.msg)
	assert.Equal(t, fmt.Sprintf("subnamespaceanchor %s/%s applied\n", parent, child), res.stdout)
	assert.Empty(t, res.stderr, "no wait: the output is not a terminal")
	_, err := anchors(t, parent).Get(context.Background(), child, metav1.GetOptions{})
	assert.NoError(t, err)
}

// A developer may not read Argo CD's cluster Secret (the platform's documentation grants
// no such right), so its wait ends at once naming the right instead of timing out.
func TestNamespaceWait_asDeveloperExits2NamingTheRightToReadTheManagedList(t *testing.T) {
	requireNamespaceEnv(t)
	res := runPlugin(t, env.DeveloperKubeconfig, "", "namespace", "wait", "shop", "--timeout", "1m")
	assert.Equal(t, ExitError, res.code)
	assert.Contains(t, res.msg, `checking whether Argo CD manages namespace "shop"`)
	assert.Contains(t, res.msg, "ask the Platform Administrator for the right to list secrets in namespace argocd-system")
}

func TestNamespaceCommands_rejectBadUsageWithExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"create without parent", []string{"namespace", "create", "x"}, "--parent is required"},
		{"create without child", []string{"namespace", "create", "--parent", "shop"}, "takes CHILD"},
		{"create with negative wait", []string{"namespace", "create", "x", "--parent", "shop", "--wait=-1s"}, "--wait must not be negative"},
		{"create with bad wait", []string{"namespace", "create", "x", "--parent", "shop", "--wait=soon"}, "invalid argument"},
		{"wait with zero timeout", []string{"namespace", "wait", "x", "--timeout", "0s"}, "--timeout must be positive"},
		{"delete without parent", []string{"namespace", "delete", "x"}, "--parent is required"},
		{"list with bad output", []string{"namespace", "list", "-o", "xml"}, `unsupported output format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runPlugin(t, "/nonexistent/kubeconfig", "", tt.args...)
			assert.Equal(t, ExitError, res.code)
			assert.Contains(t, res.msg, tt.want)
		})
	}
}

func TestNamespaceCommands_haveExamples(t *testing.T) {
	cmd := NewCmdNamespace(&RootOptions{})
	for _, c := range cmd.Commands() {
		assert.NotEmpty(t, c.Example, c.Name())
		assert.Contains(t, c.Example, "kubectl ck8sargo namespace "+c.Name(), c.Name())
	}
}

func TestNamespaceList_printsTheTreeAndJSON(t *testing.T) {
	ctx := context.Background()
	platform, parent, child := heldSubnamespace(t, "listed")
	require.Equal(t, ExitOK, runPlugin(t, env.DeveloperKubeconfig, "", "namespace", "create", child, "--parent", parent).code)
	require.NoError(t, platform.CreateNamespace(ctx, parent, child))
	require.NoError(t, platform.AddManaged(ctx, child))

	res := runPlugin(t, env.AdminKubeconfig, "", "namespace", "list")
	require.Equal(t, ExitOK, res.code, res.msg)
	assert.Regexp(t, `(?m)^NAMESPACE\s+STATE\s+APPLICATIONS$`, res.stdout)
	assert.Regexp(t, `(?m)^shop\s+managed\s+-$`, res.stdout)
	assert.Regexp(t, fmt.Sprintf(`(?m)^└─ %s\s+managed\s+-$`, child), res.stdout)
	assert.Regexp(t, `(?m)^kube-system\s+platform-owned\s+-$`, res.stdout)

	res = runPlugin(t, env.DeveloperKubeconfig, "", "namespace", "list", "-n", "shop", "-o", "json")
	require.Equal(t, ExitOK, res.code, res.msg)
	assert.Contains(t, res.stdout, fmt.Sprintf(`"name": %q`, child))
	assert.Contains(t, res.stdout, `"parent": "shop"`)
	assert.NotContains(t, res.stdout, "kube-system")
	assert.Contains(t, res.stderr, "warning: cannot read which namespaces Argo CD manages")
}

func TestNamespaceDelete_refusesWhileAnApplicationTargetsTheNamespaceThenAsksForConfirmation(t *testing.T) {
	ctx := context.Background()
	platform, parent, child := heldSubnamespace(t, "doomed")
	kc := env.DeveloperKubeconfig
	require.Equal(t, ExitOK, runPlugin(t, kc, "", "namespace", "create", child, "--parent", parent).code)
	require.NoError(t, platform.CreateNamespace(ctx, parent, child))

	app := argocdmanaged.NewApplication(env.Profile.ArgoCD.Namespace, nsName("shop-web"))
	app.Spec.Project = "default"
	app.Spec.Destination = argocdmanaged.ApplicationDestination{Server: env.Profile.ArgoCD.Server, Namespace: child}
	app.Spec.Source = &argocdmanaged.ApplicationSource{RepoURL: "https://git.example.com/shop.git", Path: "web"}
	u, err := argocdmanaged.ToUnstructured(app)
	require.NoError(t, err)
	dyn, err := dynamic.NewForConfig(env.Developer)
	require.NoError(t, err)
	apps := dyn.Resource(argocdmanaged.ApplicationsResource).Namespace(env.Profile.ArgoCD.Namespace)
	_, err = apps.Create(ctx, u, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = apps.Delete(context.Background(), app.Name, metav1.DeleteOptions{}) })

	res := runPlugin(t, kc, "", "namespace", "delete", child, "--parent", parent, "--yes")
	assert.Equal(t, ExitError, res.code)
	assert.Contains(t, res.msg, fmt.Sprintf("refusing to delete namespace %q: Applications deploy into it (%s)", child, app.Name))
	assert.Contains(t, res.msg, "use --force")

	res = runPlugin(t, kc, "n\n", "namespace", "delete", child, "--parent", parent, "--force")
	assert.Equal(t, ExitError, res.code)
	assert.Contains(t, res.msg, "not confirmed")
	assert.Contains(t, res.stderr, "makes HNC delete namespace "+child+" and everything in it")
	assert.Contains(t, res.stderr, "Applications that deploy into it will fail: "+app.Name)
	_, err = anchors(t, parent).Get(ctx, child, metav1.GetOptions{})
	require.NoError(t, err, "not confirmed: the anchor stays")

	res = runPlugin(t, kc, "y\n", "namespace", "delete", child, "--parent", parent, "--force")
	require.Equal(t, ExitOK, res.code, res.msg)
	assert.Contains(t, res.stdout, fmt.Sprintf("subnamespaceanchor %s/%s deleted", parent, child))
	_, err = anchors(t, parent).Get(ctx, child, metav1.GetOptions{})
	assert.True(t, err != nil && strings.Contains(err.Error(), "not found"), "the anchor is gone: %v", err)
}

func TestNsReadConfirmation_acceptsOnlyYes(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "Yes\n": true, " YES ": true, "n\n": false, "": false, "yess\n": false, "y": true} {
		got, err := readYes(bytes.NewBufferString(in))
		require.NoError(t, err)
		assert.Equal(t, want, got, "%q", in)
	}
}
