package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	sigyaml "sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

const requiredLabels = `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8srequiredlabels}
spec:
  crd: {spec: {names: {kind: K8sRequiredLabels}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8srequiredlabels
      violation[{"msg": msg}] {
        provided := {l | input.review.object.metadata.labels[l]}
        required := {l | l := input.parameters.labels[_]}
        missing := required - provided
        count(missing) > 0
        msg := sprintf("you must provide labels: %v", [missing])
      }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: team-label}
spec:
  enforcementAction: warn
  match:
    kinds: [{apiGroups: [apps], kinds: [Deployment]}]
    namespaces: [shop]
  parameters: {labels: [team]}
`

// roundTripObjects are judged by the live policies and by the snapshot.
const roundTripObjects = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx:latest}
---
apiVersion: v1
kind: Pod
metadata: {name: root, namespace: shop, labels: {team: shop}}
spec:
  containers:
  - name: app
    image: harbor.example.com/shop/app:1.0
    resources: {requests: {cpu: 10m, memory: 10Mi}}
    securityContext: {runAsUser: 0}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: shop}
spec: {type: LoadBalancer, ports: [{port: 80}]}
`

func decodeDocs(t *testing.T, text string) []admission.Object {
	t.Helper()
	var out []admission.Object
	for _, d := range strings.Split(text, "\n---\n") {
		var o map[string]any
		require.NoError(t, sigyaml.Unmarshal([]byte(d), &o))
		if o != nil {
			out = append(out, o)
		}
	}
	return out
}

type judged struct {
	Verdicts  []admission.Verdict
	Mutations []string
}

func judge(t *testing.T, p admission.Policies, objs []admission.Object) judged {
	t.Helper()
	ctx := context.Background()
	c, problems, err := admission.New(ctx, p, admission.DefaultOptions(argocdmanaged.DefaultProfile()))
	require.NoError(t, err)
	require.Empty(t, problems)
	res, err := c.Review(ctx, objs)
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	j := judged{Verdicts: res.Verdicts}
	for _, m := range res.Mutations {
		j.Mutations = append(j.Mutations, m.Mutator+" "+m.Path+" "+m.Note)
	}
	return j
}

// TestProfileDiscoverAdmissionSnapshotJudgesAsTheLivePolicies installs Gatekeeper's CRDs
// (minimal ones written by testenv) and the built-in policies plus a required-labels
// template in the test cluster, writes the snapshot with `profile discover --admission`,
// and checks that the snapshot judges the same objects exactly as the live policies and
// the policies that were installed; that the snapshot is stable and holds no Secret; and
// that a developer without the right to list the policies gets a warning naming it.
func TestProfileDiscoverAdmissionSnapshotJudgesAsTheLivePolicies(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	installed := admission.Builtin(env.Profile)
	installed.Objects = append(installed.Objects, decodeDocs(t, requiredLabels)...)
	var kinds []string
	for _, o := range installed.Objects {
		if strings.HasPrefix(o["apiVersion"].(string), admission.ConstraintsGroup+"/") {
			kinds = append(kinds, o["kind"].(string))
		}
	}
	require.NoError(t, env.InstallGatekeeperCRDs(ctx, kinds...))
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	for _, o := range installed.Objects {
		u := &unstructured.Unstructured{Object: o}
		gv, err := schema.ParseGroupVersion(u.GetAPIVersion())
		require.NoError(t, err)
		res := schema.GroupVersionResource{Group: gv.Group, Version: gv.Version, Resource: strings.ToLower(u.GetKind())}
		if gv.Group != admission.ConstraintsGroup {
			res.Resource += "s"
		}
		_, err = dyn.Resource(res).Create(ctx, u.DeepCopy(), metav1.CreateOptions{})
		require.NoError(t, err, "creating %s %s", u.GetKind(), u.GetName())
		t.Cleanup(func() { _ = dyn.Resource(res).Delete(context.Background(), u.GetName(), metav1.DeleteOptions{}) })
	}

	dir := t.TempDir()
	file := filepath.Join(dir, admission.SnapshotFile)
	r := runPlugin(t, env.AdminKubeconfig, "", "profile", "discover", "--admission", "--admission-file", file, "-o", "yaml")
	require.Equal(t, 0, r.code, r.msg+r.stderr)
	assert.Contains(t, r.stderr, "wrote "+file)
	first, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.NotContains(t, string(first), "kind: Secret")
	assert.NotContains(t, string(first), "resourceVersion")

	r = runPlugin(t, env.AdminKubeconfig, "", "profile", "discover", "--admission", "--admission-file", file)
	require.Equal(t, 0, r.code, r.msg)
	second, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(first), string(second), "the snapshot is stable")

	snap, err := admission.LoadPolicies(first)
	require.NoError(t, err)
	require.Len(t, snap.Objects, len(installed.Objects))
	cl, err := argocdmanaged.NewClientsForConfig(env.Admin)
	require.NoError(t, err)
	live, warnings, err := admission.Discover(ctx, cl)
	require.NoError(t, err)
	require.Empty(t, warnings)

	objs := decodeDocs(t, roundTripObjects)
	want := judge(t, installed, objs)
	require.NotEmpty(t, want.Verdicts)
	assert.Equal(t, want, judge(t, live, objs), "the live policies judge as the installed ones")
	assert.Equal(t, want, judge(t, snap, objs), "the snapshot judges as the live policies")
	rules := map[string]bool{}
	for _, v := range want.Verdicts {
		rules[v.Rule] = true
	}
	for _, rule := range []string{"gatekeeper/K8sRequiredLabels", "gatekeeper/K8sDisallowedTags", "gatekeeper/K8sResourceRequests",
		"gatekeeper/K8sMinimumReplicas", "gatekeeper/K8sPodDisruptionBudget", "gatekeeper/K8sRejectLoadBalancerService", "pod-security/runAsUser"} {
		assert.True(t, rules[rule], "%s judged; got %v", rule, rules)
	}

	// The developer may not list cluster-scoped Gatekeeper objects: a warning naming the
	// right, and a snapshot of what could be read.
	devFile := filepath.Join(dir, "dev.yaml")
	r = runPlugin(t, env.DeveloperKubeconfig, "", "profile", "discover", "--admission", "--admission-file", devFile)
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stderr, "warning: the snapshot leaves out what cannot be read")
	assert.Contains(t, r.stderr, "constrainttemplates.templates.gatekeeper.sh")
}
