package kinds_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/internal/kinds"
)

func TestClusterScopedKnowsKubernetesAndAddOnKinds(t *testing.T) {
	tests := []struct {
		gk   schema.GroupKind
		want bool
	}{
		{schema.GroupKind{Kind: "Namespace"}, true},
		{schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}, true},
		{schema.GroupKind{Group: "argoproj.io", Kind: "ClusterWorkflowTemplate"}, true},
		{schema.GroupKind{Kind: "ConfigMap"}, false},
		{schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "Role"}, false},
		{schema.GroupKind{Group: "example.com", Kind: "Namespace"}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, kinds.ClusterScoped(tt.gk), tt.gk.String())
	}
}

func ExampleClusterScoped() {
	fmt.Println(kinds.ClusterScoped(schema.GroupKind{Group: "storage.k8s.io", Kind: "StorageClass"}))
	// Output: true
}
