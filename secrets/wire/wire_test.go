package wire_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/secrets/wire"
)

const singleSource = `# The shop, deployed from its chart.
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system # where Applications live
spec:
  project: default
  source:
    repoURL: https://github.com/example/shop.git
    path: deploy/helm/app
    targetRevision: HEAD
    helm:
      # values first, secrets last
      valueFiles:
        - values.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`

func TestAddValueFile(t *testing.T) {
	out, ch, err := wire.AddValueFile([]byte(singleSource), wire.SecretsValueFile("secrets.yaml"), wire.DefaultTarget())
	require.NoError(t, err)
	assert.True(t, ch.Added)
	assert.Equal(t, "spec.source", ch.Source)
	assert.Equal(t, "shop", ch.Application)
	want := strings.Replace(singleSource, "        - values.yaml\n", "        - values.yaml\n        - secrets://secrets.yaml\n", 1)
	assert.Equal(t, want, string(out), "only the new line differs: comments, order and indentation are kept")

	t.Run("adding it again changes nothing", func(t *testing.T) {
		again, ch, err := wire.AddValueFile(out, "secrets://secrets.yaml", wire.DefaultTarget())
		require.NoError(t, err)
		assert.False(t, ch.Added)
		assert.Equal(t, out, again)
	})
}

func TestAddValueFileCreatesHelm(t *testing.T) {
	in := "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n    name: a\nspec:\n    source:\n        repoURL: r\n        path: p\n"
	out, _, err := wire.AddValueFile([]byte(in), "secrets://s.yaml", wire.DefaultTarget())
	require.NoError(t, err)
	assert.Equal(t, in+"        helm:\n            valueFiles:\n                - secrets://s.yaml\n", string(out), "four-space files stay four-space")
}

func TestAddValueFileMultiSource(t *testing.T) {
	in, err := os.ReadFile("../../argocdmanaged/testdata/objects/application-multisource.yaml")
	require.NoError(t, err)
	out, ch, err := wire.AddValueFile(in, "$values/env/staging/extra.yaml", wire.DefaultTarget())
	require.NoError(t, err)
	assert.Equal(t, "spec.sources[0]", ch.Source, "the chart source, not the $ref or the Kustomize source")

	var before, after map[string]any
	require.NoError(t, yaml.Unmarshal(in, &before))
	require.NoError(t, yaml.Unmarshal(out, &after))
	src := before["spec"].(map[string]any)["sources"].([]any)[0].(map[string]any)["helm"].(map[string]any)
	src["valueFiles"] = append(src["valueFiles"].([]any), "$values/env/staging/extra.yaml")
	assert.Equal(t, before, after, "nothing else changed")

	t.Run("an explicit index wins", func(t *testing.T) {
		_, ch, err := wire.AddValueFile(in, "secrets://x.yaml", wire.Target{Source: 2})
		require.NoError(t, err)
		assert.Equal(t, "spec.sources[2]", ch.Source)
	})
}

func TestAddFileParameter(t *testing.T) {
	ref := "secrets+literal://vals!ref+vault://secret/user/#/password"
	out, ch, err := wire.AddFileParameter([]byte(singleSource), "password", ref, wire.DefaultTarget())
	require.NoError(t, err)
	assert.True(t, ch.Added)
	assert.Contains(t, string(out), "      fileParameters:\n        - name: password\n          path: "+ref+"\n")
	assert.Contains(t, string(out), "# values first, secrets last")

	out2, ch, err := wire.AddFileParameter(out, "password", "secrets+literal://vals!ref+vault://secret/other/#/password", wire.DefaultTarget())
	require.NoError(t, err)
	assert.True(t, ch.Added)
	assert.Equal(t, 1, strings.Count(string(out2), "name: password"), "a parameter of the same name is updated, not repeated")
}

func TestWireRefuses(t *testing.T) {
	two := singleSource + "---\n" + strings.Replace(singleSource, "name: shop", "name: shop2", 1)
	tests := []struct {
		name, in string
		target   wire.Target
		want     string
	}{
		{"no Application", "apiVersion: v1\nkind: ConfigMap\n", wire.DefaultTarget(), "no Argo CD Application"},
		{"two Applications without a target Application", two, wire.DefaultTarget(), "several Applications (shop, shop2)"},
		{"an unknown --app", two, wire.Target{Application: "x", Source: -1}, `no Application named "x"`},
		{"not YAML", "a: [", wire.DefaultTarget(), "not valid YAML"},
		{"valueFiles not a list", strings.Replace(singleSource, "valueFiles:\n        - values.yaml", "valueFiles: values.yaml", 1), wire.DefaultTarget(), "valueFiles is not a list"},
		{"a source index out of range", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n  - path: a\n", wire.Target{Source: 3}, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := wire.AddValueFile([]byte(tt.in), "secrets://s.yaml", tt.target)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("picks the named Application of several", func(t *testing.T) {
		out, ch, err := wire.AddValueFile([]byte(two), "secrets://s.yaml", wire.Target{Application: "shop2", Source: -1})
		require.NoError(t, err)
		assert.Equal(t, "shop2", ch.Application)
		assert.Equal(t, 1, strings.Count(string(out), "secrets://s.yaml"))
		assert.Equal(t, 2, strings.Count(string(out), "# The shop"))
	})
}

func FuzzAddValueFile(f *testing.F) {
	f.Add([]byte(singleSource))
	f.Add([]byte("apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n  - path: a\n  - ref: v\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, ch, err := wire.AddValueFile(in, "secrets://s.yaml", wire.DefaultTarget())
		if err != nil || !ch.Added {
			return
		}
		// What was written must read back, with the entry in it.
		again, ch2, err := wire.AddValueFile(out, "secrets://s.yaml", wire.DefaultTarget())
		if err != nil {
			t.Fatalf("output does not read back: %v", err)
		}
		if ch2.Added || string(again) != string(out) {
			t.Fatalf("the entry was not found in the output")
		}
	})
}
