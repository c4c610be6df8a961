package argocdmanaged_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// decodeAny decodes a manifest into the mirror type its kind names.
func decodeAny(t testing.TB, data []byte) any {
	t.Helper()
	var head struct{ Kind string }
	require.NoError(t, yaml.Unmarshal(data, &head))
	var obj any
	switch head.Kind {
	case argocdmanaged.KindApplication:
		obj = &argocdmanaged.Application{}
	case argocdmanaged.KindApplicationSet:
		obj = &argocdmanaged.ApplicationSet{}
	case argocdmanaged.KindAppProject:
		obj = &argocdmanaged.AppProject{}
	default:
		t.Fatalf("not an Argo CD kind: %q", head.Kind)
	}
	require.NoError(t, yaml.Unmarshal(data, obj))
	return obj
}

func asGeneric(t testing.TB, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}

func exampleFiles(t testing.TB) []string {
	files, err := filepath.Glob("testdata/objects/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func TestDecodeEncodeKeepsEveryFieldTheUserWrote(t *testing.T) {
	for _, file := range exampleFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			var original any
			require.NoError(t, yaml.Unmarshal(data, &original))

			obj := decodeAny(t, data)
			assert.Equal(t, original, asGeneric(t, obj))
		})
	}
}

func TestEditingAFieldKeepsUnknownSiblings(t *testing.T) {
	data, err := os.ReadFile("testdata/objects/application-helm.yaml")
	require.NoError(t, err)
	app := &argocdmanaged.Application{}
	require.NoError(t, argocdmanaged.Decode(data, app))

	app.Spec.Source.Helm.ValueFiles = append(app.Spec.Source.Helm.ValueFiles, "secrets://more.yaml")
	out, err := argocdmanaged.Encode(app)
	require.NoError(t, err)

	var got map[string]any
	require.NoError(t, yaml.Unmarshal(out, &got))
	spec := got["spec"].(map[string]any)
	assert.EqualValues(t, 5, spec["revisionHistoryLimit"], "unknown spec field kept")
	helm := spec["source"].(map[string]any)["helm"].(map[string]any)
	assert.Equal(t, false, helm["passCredentials"], "unknown helm field kept, even when false")
	assert.Contains(t, helm["valueFiles"], "secrets://more.yaml")
}

func TestEmptyListsWrittenByTheUserStayUntilFilled(t *testing.T) {
	p := &argocdmanaged.AppProject{}
	require.NoError(t, argocdmanaged.Decode([]byte("apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: p}\nspec:\n  clusterResourceWhitelist: []\n"), p))
	assert.Equal(t, []any{}, asGeneric(t, p).(map[string]any)["spec"].(map[string]any)["clusterResourceWhitelist"])

	p.Spec.ClusterResourceWhitelist = []argocdmanaged.GroupKind{{Group: "", Kind: "Namespace"}}
	got := asGeneric(t, p).(map[string]any)["spec"].(map[string]any)["clusterResourceWhitelist"]
	assert.Equal(t, []any{map[string]any{"group": "", "kind": "Namespace"}}, got)
}

func TestUnstructuredRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/objects/application-multisource.yaml")
	require.NoError(t, err)
	asJSON, err := yaml.YAMLToJSON(data)
	require.NoError(t, err)
	u := &unstructured.Unstructured{}
	require.NoError(t, u.UnmarshalJSON(asJSON))

	app := &argocdmanaged.Application{}
	require.NoError(t, argocdmanaged.FromUnstructured(u, app))
	assert.Len(t, app.Spec.AllSources(), 3)
	assert.Equal(t, "Failed", app.Status.OperationState.Phase)
	assert.Equal(t, "4f1a2b3c", app.Operation.Sync.Revision)

	back, err := argocdmanaged.ToUnstructured(app)
	require.NoError(t, err)
	assert.Equal(t, u.Object, back.Object)
}

func TestFromUnstructuredRefusesAnotherKind(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": map[string]any{"name": "p"}}}
	err := argocdmanaged.FromUnstructured(u, &argocdmanaged.Application{})
	assert.ErrorContains(t, err, "want argoproj.io/Application")
}

func TestAllSourcesPrefersSourcesOverSource(t *testing.T) {
	spec := argocdmanaged.ApplicationSpec{
		Source:  &argocdmanaged.ApplicationSource{RepoURL: "ignored"},
		Sources: []argocdmanaged.ApplicationSource{{RepoURL: "a"}, {RepoURL: "b"}},
	}
	got := spec.AllSources()
	require.Len(t, got, 2)
	assert.Equal(t, "a", got[0].RepoURL)
	assert.Nil(t, (&argocdmanaged.ApplicationSpec{}).AllSources())
}

// BenchmarkDecodeApplications decodes 10,000 Application manifests, the size of a large
// team's export.
func BenchmarkDecodeApplications(b *testing.B) {
	data, err := os.ReadFile("testdata/objects/application-helm.yaml")
	require.NoError(b, err)
	manifests := make([][]byte, 10000)
	for i := range manifests {
		manifests[i] = []byte(fmt.Sprintf("%s\n# %d\n", data, i))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range manifests {
			app := &argocdmanaged.Application{}
			if err := argocdmanaged.Decode(m, app); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/10k-apps")
}
