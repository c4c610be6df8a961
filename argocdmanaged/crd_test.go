package argocdmanaged_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// argoExamples collects every Argo CD object in the testdata of the whole module, so that
// the examples of every package are checked against the real CRDs. Files or directories
// whose name contains "invalid" hold deliberately broken input and are left out.
func argoExamples(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (strings.HasPrefix(name, ".") && name != ".." || strings.Contains(name, "invalid") || name == "bin" || name == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.Contains(filepath.ToSlash(path), "/testdata/") || strings.Contains(name, "invalid") ||
			!(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		docs := utilyaml.NewYAMLReader(bufioReader(data))
		for i := 0; ; i++ {
			doc, err := docs.Read()
			if err != nil {
				break
			}
			var head struct{ APIVersion, Kind string }
			if utilyaml.Unmarshal(doc, &head) != nil || head.APIVersion != argocdmanaged.APIVersion {
				continue
			}
			switch head.Kind {
			case argocdmanaged.KindApplication, argocdmanaged.KindApplicationSet, argocdmanaged.KindAppProject:
				out[path+"#"+itoa(i)] = doc
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func TestExamplesValidateAgainstTheRealArgoCDCRDs(t *testing.T) {
	testenv.Require(t, env)
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	examples := argoExamples(t)
	require.GreaterOrEqual(t, len(examples), 5)

	for name, doc := range examples {
		t.Run(name, func(t *testing.T) {
			// Decode with the mirror and encode again: what the API server judges is what
			// this project would write.
			obj := decodeAny(t, doc)
			data, err := json.Marshal(obj)
			require.NoError(t, err)
			u := &unstructured.Unstructured{}
			require.NoError(t, u.UnmarshalJSON(data))
			u.SetNamespace(env.Profile.ArgoCD.Namespace)
			if u.GetName() == "" {
				u.SetName("example")
			}
			gvr := argocdmanaged.GroupVersion.WithResource(strings.ToLower(u.GetKind()) + "s")
			_, err = dyn.Resource(gvr).Namespace(u.GetNamespace()).Create(context.Background(), u, metav1.CreateOptions{
				DryRun:          []string{metav1.DryRunAll},
				FieldValidation: metav1.FieldValidationStrict,
			})
			assert.NoError(t, err, "the real CRD schema refuses what the mirror wrote")
		})
	}
}

func TestTheCRDCheckRefusesAnUnknownField(t *testing.T) {
	testenv.Require(t, env)
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": argocdmanaged.APIVersion, "kind": "Application",
		"metadata": map[string]any{"name": "typo", "namespace": "argocd-system"},
		"spec":     map[string]any{"project": "default", "destination": map[string]any{"srever": "https://kubernetes.default.svc"}},
	}}
	_, err = dyn.Resource(argocdmanaged.ApplicationsResource).Namespace("argocd-system").Create(context.Background(), u, metav1.CreateOptions{
		DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict,
	})
	assert.ErrorContains(t, err, `unknown field "spec.destination.srever"`)
}

func bufioReader(data []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(data)) }

func itoa(i int) string { return strconv.Itoa(i) }
