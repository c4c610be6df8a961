package admission_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// FuzzLoadPolicies feeds snapshot files (.ck8sargo/admission.yaml) to the loader and the
// chain: a snapshot is refused with a one-line error, or its policies compile (bad ones
// as Problems, never an error or a panic) and survive a write and read back.
func FuzzLoadPolicies(f *testing.F) {
	b, err := admission.Builtin(argocdmanaged.DefaultProfile()).MarshalList()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: templates.gatekeeper.sh/v1\n  kind: ConstraintTemplate\n  metadata: {name: x}\n  spec: {crd: {spec: {names: {kind: X}}}, targets: [{target: admission.k8s.gatekeeper.sh, rego: 'package x\nviolation[{\"msg\": \"m\"}] { true }'}]}\n- apiVersion: constraints.gatekeeper.sh/v1beta1\n  kind: X\n  metadata: {name: y}\n  spec: {match: {kinds: [{apiGroups: ['*'], kinds: ['*']}]}}\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: mutations.gatekeeper.sh/v1\n  kind: Assign\n  metadata: {name: m}\n  spec: {location: 'spec.containers[name: *].x', parameters: {assign: {value: 1}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pols, err := admission.LoadPolicies(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		p := argocdmanaged.DefaultProfile()
		if _, _, err := admission.New(context.Background(), pols, admission.DefaultOptions(p)); err != nil {
			t.Fatalf("New failed without a cancelled context: %v", err)
		}
		out, err := pols.Sorted().MarshalList()
		if err != nil {
			t.Fatalf("a loaded snapshot does not write: %v", err)
		}
		back, err := admission.LoadPolicies(out)
		if err != nil {
			t.Fatalf("a written snapshot does not load: %v", err)
		}
		if len(back.Objects) != len(pols.Objects) {
			t.Fatalf("round trip kept %d of %d policies", len(back.Objects), len(pols.Objects))
		}
	})
}
