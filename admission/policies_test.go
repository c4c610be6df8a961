package admission_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/admission"
)

const badPolicies = `
apiVersion: v1
kind: List
items:
- apiVersion: templates.gatekeeper.sh/v1
  kind: ConstraintTemplate
  metadata: {name: broken}
  spec:
    crd: {spec: {names: {kind: K8sBroken}}}
    targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package broken
        violation[{"msg": msg}] {
          msg :=
        }
- apiVersion: constraints.gatekeeper.sh/v1beta1
  kind: K8sUnknown
  metadata: {name: orphan}
  spec: {}
- apiVersion: mutations.gatekeeper.sh/v1
  kind: Assign
  metadata: {name: bad-location}
  spec:
    applyTo: [{groups: [""], kinds: [Pod], versions: [v1]}]
    location: "spec.containers[name: ].image"
    parameters: {assign: {value: x}}
- apiVersion: v1
  kind: Secret
  metadata: {name: not-a-policy}
  stringData: {password: hunter2}
---
apiVersion: mutations.gatekeeper.sh/v1
kind: AssignMetadata
metadata: {name: team-label}
spec:
  match: {kinds: [{apiGroups: ["*"], kinds: [ConfigMap]}]}
  location: metadata.labels.team
  parameters: {assign: {value: shop}}
---
apiVersion: mutations.gatekeeper.sh/v1
kind: AssignImage
metadata: {name: mirror}
spec:
  applyTo: [{groups: [""], kinds: [Pod], versions: [v1]}]
  location: "spec.containers[name: *].image"
  parameters: {assignDomain: harbor.example.com}
---
apiVersion: mutations.gatekeeper.sh/v1
kind: Assign
metadata: {name: sidecar-pull-policy}
spec:
  applyTo: [{groups: [""], kinds: [Pod], versions: [v1]}]
  location: "spec.containers[name: sidecar].imagePullPolicy"
  parameters:
    assign: {value: Always}
    pathTests: [{subPath: "spec.containers[name: sidecar]", condition: MustExist}]
---
apiVersion: mutations.gatekeeper.sh/v1
kind: ModifySet
metadata: {name: prune-net-raw}
spec:
  applyTo: [{groups: [""], kinds: [Pod], versions: [v1]}]
  location: "spec.containers[name: *].securityContext.capabilities.add"
  parameters: {operation: prune, values: {fromList: [NET_RAW]}}
`

func TestBadPoliciesAreReportedOnceAndTheRestIsStillRun(t *testing.T) {
	p, err := admission.LoadPolicies([]byte(badPolicies))
	require.NoError(t, err)
	for _, o := range p.Objects {
		assert.NotEqual(t, "Secret", o["kind"], "LoadPolicies keeps only Gatekeeper policies")
	}
	c, problems, err := admission.New(context.Background(), p, admission.Options{})
	require.NoError(t, err)
	var named []string
	for _, pr := range problems {
		named = append(named, pr.Kind+"/"+pr.Name)
	}
	assert.ElementsMatch(t, []string{"ConstraintTemplate/broken", "K8sUnknown/orphan", "Assign/bad-location"}, named)

	res, err := c.Review(context.Background(), objects(t, `
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: shop}
`, `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
  - {name: app, image: "nginx:1.27", securityContext: {capabilities: {add: [NET_RAW, CHOWN]}}}
  - {name: sidecar, image: "docker.io/library/envoy:1"}
`))
	require.NoError(t, err)
	assert.Equal(t, "shop", res.Mutated[0]["metadata"].(map[string]any)["labels"].(map[string]any)["team"])
	cs := res.Mutated[1]["spec"].(map[string]any)["containers"].([]any)
	app, side := cs[0].(map[string]any), cs[1].(map[string]any)
	assert.Equal(t, "harbor.example.com/nginx:1.27", app["image"])
	assert.Equal(t, "harbor.example.com/library/envoy:1", side["image"])
	assert.Equal(t, "Always", side["imagePullPolicy"], "the keyed selector with MustExist sets the field")
	assert.Nil(t, app["imagePullPolicy"], "the keyed selector leaves other containers alone")
	assert.Equal(t, []any{"CHOWN"}, app["securityContext"].(map[string]any)["capabilities"].(map[string]any)["add"])
}

func TestSortedSnapshotIsStableAndReadBack(t *testing.T) {
	p, err := admission.LoadPolicies([]byte(badPolicies))
	require.NoError(t, err)
	a, err := p.MarshalList()
	require.NoError(t, err)
	back, err := admission.LoadPolicies(a)
	require.NoError(t, err)
	b, err := back.MarshalList()
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))
	assert.NotContains(t, string(a), "hunter2")
}

func TestEnforcementActionsSetTheSeverity(t *testing.T) {
	for _, tt := range []struct {
		action string
		want   admission.Severity
	}{{"deny", admission.SeverityError}, {"warn", admission.SeverityWarning}, {"dryrun", admission.SeverityInfo}} {
		t.Run(tt.action, func(t *testing.T) {
			p, err := admission.LoadPolicies([]byte(constraintTemplate("k8snolb", "K8sNoLB",
				`violation[{"msg": "no LoadBalancer"}] { input.review.object.spec.type == "LoadBalancer" }`) + `---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNoLB
metadata: {name: nolb}
spec:
  enforcementAction: ` + tt.action + `
  match:
    kinds: [{apiGroups: [""], kinds: [Service]}]
    excludedNamespaces: ["kube-*"]
    labelSelector: {matchExpressions: [{key: allow-lb, operator: DoesNotExist}]}
`))
			require.NoError(t, err)
			c, problems, err := admission.New(context.Background(), p, admission.Options{})
			require.NoError(t, err)
			require.Empty(t, problems)
			res, err := c.Review(context.Background(), objects(t,
				"apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\nspec: {type: LoadBalancer}\n",
				"apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: kube-system}\nspec: {type: LoadBalancer}\n",
				"apiVersion: v1\nkind: Service\nmetadata: {name: c, namespace: shop, labels: {allow-lb: \"yes\"}}\nspec: {type: LoadBalancer}\n"))
			require.NoError(t, err)
			require.Len(t, res.Verdicts, 1)
			assert.Equal(t, 0, res.Verdicts[0].Object)
			assert.Equal(t, tt.want, res.Verdicts[0].Severity)
			assert.Equal(t, "gatekeeper/K8sNoLB", res.Verdicts[0].Rule)
			assert.Equal(t, "no LoadBalancer", res.Verdicts[0].Message)
		})
	}
}
