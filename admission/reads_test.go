package admission_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/admission"
)

// TestObjectsAlikeOnWhatATemplateReadsEachGetTheVerdict checks that judging one object for
// all that are alike on the template's reads still gives every one of them its verdict, and
// none to the others.
func TestObjectsAlikeOnWhatATemplateReadsEachGetTheVerdict(t *testing.T) {
	pols, err := admission.LoadPolicies([]byte(constraintTemplate("k8srequiredlabels", "K8sRequiredLabels", `violation[{"msg": msg}] {
  provided := {l | input.review.object.metadata.labels[l]}
  missing := {l | l := input.parameters.labels[_]} - provided
  count(missing) > 0
  msg := sprintf("you must provide labels: %v", [missing])
}`) + `---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: owner}
spec:
  match: {kinds: [{apiGroups: [""], kinds: [ConfigMap]}]}
  parameters: {labels: [owner]}
`))
	require.NoError(t, err)
	chain, problems, err := admission.New(context.Background(), pols, admission.Options{})
	require.NoError(t, err)
	require.Empty(t, problems)
	cm := func(name string, labels map[string]any) admission.Object {
		return admission.Object{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "namespace": "shop", "labels": labels}}
	}
	objs := []admission.Object{
		cm("a", map[string]any{"app": "web"}),
		cm("b", map[string]any{"owner": "team"}),
		cm("c", map[string]any{"app": "web"}),
		cm("d", nil),
		cm("e", map[string]any{"app": "web"}),
	}
	res, err := chain.Review(context.Background(), objs)
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	var judged []int
	for _, v := range res.Verdicts {
		assert.Equal(t, "gatekeeper/K8sRequiredLabels", v.Rule)
		assert.Equal(t, `you must provide labels: {"owner"}`, v.Message)
		judged = append(judged, v.Object)
	}
	assert.Equal(t, []int{0, 2, 3, 4}, judged)
}
