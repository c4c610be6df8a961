package cli

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// appset generate -o yaml prints through cli-runtime's YAML printer; the bytes are the ones
// it printed before (each Application as sigs.k8s.io/yaml writes it, "---" between them),
// for the values a template can produce.
func TestAppsetGenerateYAMLIsAsBeforeThroughThePrinter(t *testing.T) {
	apps := []map[string]any{
		{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
			"metadata": map[string]any{"name": "shop-<dev>&", "namespace": "argocd", "finalizers": []any{"resources-finalizer.argocd.argoproj.io"}},
			"spec":     map[string]any{"int": int64(3), "float": 1.5, "bool-like": "yes", "empty": "", "null": nil, "list": []any{}, "map": map[string]any{}, "multi": "a\nb\n", "n": "no"}},
		{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": map[string]any{"name": "cart"}},
	}
	var before bytes.Buffer
	for i, a := range apps {
		if i > 0 {
			before.WriteString("---\n")
		}
		require.NoError(t, printStructured(&before, "yaml", a))
	}
	for _, tt := range []struct {
		name string
		apps []map[string]any
		want string
	}{
		{"two Applications", apps, before.String()},
		{"none", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			o := &appsetGenerateOptions{IOStreams: genericiooptions.IOStreams{Out: &out}, output: &outputFlag{format: "yaml"}}
			require.NoError(t, o.print(tt.apps))
			assert.Equal(t, tt.want, out.String())
		})
	}
}
