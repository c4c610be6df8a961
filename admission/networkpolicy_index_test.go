package admission_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// TestNetworkPolicyIndexFindsEverySelectingPolicy checks that the index the chain adds for
// the built-in network-policy template finds a selecting NetworkPolicy whatever the shape of
// its selector: keyed by one of several matchLabels, with matchExpressions, empty, or with a
// non-string label value (left unkeyed).
func TestNetworkPolicyIndexFindsEverySelectingPolicy(t *testing.T) {
	np := func(name string, sel map[string]any) admission.Object {
		return admission.Object{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
			"metadata": map[string]any{"name": name, "namespace": "shop"}, "spec": map[string]any{"podSelector": sel}}
	}
	pod := func(labels map[string]any) admission.Object {
		return admission.Object{"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": "p", "namespace": "shop", "labels": labels},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "harbor.example.com/a:1",
				"resources": map[string]any{"requests": map[string]any{"cpu": "1m", "memory": "1Mi"}}}}}}
	}
	tests := []struct {
		name     string
		policies []admission.Object
		labels   map[string]any
		selected bool
	}{
		{"the first of two matchLabels", []admission.Object{np("a", map[string]any{"matchLabels": map[string]any{"app": "web", "tier": "front"}})},
			map[string]any{"app": "web", "tier": "front"}, true},
		{"only one of two matchLabels", []admission.Object{np("a", map[string]any{"matchLabels": map[string]any{"app": "web", "tier": "front"}})},
			map[string]any{"tier": "front"}, false},
		{"another value", []admission.Object{np("a", map[string]any{"matchLabels": map[string]any{"app": "api"}})},
			map[string]any{"app": "web"}, false},
		{"matchExpressions only", []admission.Object{np("a", map[string]any{"matchExpressions": []any{
			map[string]any{"key": "app", "operator": "In", "values": []any{"web"}}}})},
			map[string]any{"app": "web"}, true},
		{"matchLabels and a failing expression", []admission.Object{np("a", map[string]any{"matchLabels": map[string]any{"app": "web"},
			"matchExpressions": []any{map[string]any{"key": "tier", "operator": "Exists"}}})},
			map[string]any{"app": "web"}, false},
		{"an empty selector", []admission.Object{np("a", map[string]any{})}, map[string]any{"app": "web"}, true},
		{"a non-string label value", []admission.Object{np("a", map[string]any{"matchLabels": map[string]any{"app": int64(1)}})},
			map[string]any{"app": "web"}, false},
		{"the second of many", []admission.Object{
			np("a", map[string]any{"matchLabels": map[string]any{"app": "api"}}),
			np("b", map[string]any{"matchLabels": map[string]any{"app": "web"}}),
			np("c", map[string]any{"matchLabels": map[string]any{"team": "x"}})},
			map[string]any{"app": "web"}, true},
	}
	p := argocdmanaged.DefaultProfile()
	chain := builtinChain(t, p)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := chain.Review(context.Background(), append([]admission.Object{pod(tt.labels)}, tt.policies...))
			require.NoError(t, err)
			require.Empty(t, res.Errors)
			warned := false
			for _, v := range res.Verdicts {
				warned = warned || (v.Object == 0 && v.Rule == "gatekeeper/"+admission.KindRequireNetworkPolicy)
			}
			assert.Equal(t, !tt.selected, warned)
		})
	}
}
