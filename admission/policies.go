package admission

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	sigyaml "sigs.k8s.io/yaml"
)

// Policies are the Gatekeeper objects a chain runs: mutators (Assign, AssignMetadata,
// ModifySet, AssignImage), ConstraintTemplates and Constraints, as decoded objects.
type Policies struct {
	Objects []Object
}

// Object is one Kubernetes object as decoded from YAML or JSON.
type Object = map[string]any

// IsPolicy says whether an object is a Gatekeeper mutator, ConstraintTemplate or
// Constraint.
func IsPolicy(o Object) bool {
	switch group(o) {
	case MutationsGroup, ConstraintsGroup:
		return true
	case TemplatesGroup:
		return str(o["kind"]) == KindTemplate
	}
	return false
}

func group(o Object) string {
	g, _, _ := strings.Cut(str(o["apiVersion"]), "/")
	if !strings.Contains(str(o["apiVersion"]), "/") {
		return ""
	}
	return g
}

// LoadPolicies reads policies from YAML or JSON: one or more documents, each an object
// or a v1 List of objects. Objects that are not Gatekeeper policies are left out, so a
// snapshot never carries anything else.
func LoadPolicies(data []byte) (Policies, error) {
	var p Policies
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// yaml.v3's type errors span lines; the caller shows one.
			return Policies{}, fmt.Errorf("document %d: %s", n, strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", ";")), " "))
		}
		if doc == nil {
			continue
		}
		// Round trip through JSON so that numbers and maps have the types JSON decoding
		// gives, as objects read from the API server have.
		j, err := sigyaml.Marshal(doc)
		if err != nil {
			return Policies{}, fmt.Errorf("document %d: %w", n, err)
		}
		var obj map[string]any
		if err := sigyaml.Unmarshal(j, &obj); err != nil {
			return Policies{}, fmt.Errorf("document %d: %w", n, err)
		}
		items := []Object{obj}
		if str(obj["kind"]) == "List" || strings.HasSuffix(str(obj["kind"]), "List") && obj["items"] != nil {
			items = nil
			for _, it := range asSlice(obj["items"]) {
				if m := asMap(it); m != nil {
					items = append(items, m)
				}
			}
		}
		for _, it := range items {
			if IsPolicy(it) {
				p.Objects = append(p.Objects, it)
			}
		}
	}
	return p, nil
}

// Sorted returns the policies in a stable order: templates, then constraints, then
// mutators, each by kind and name; every object reduced to apiVersion, kind, name,
// labels, the annotations other than kubectl's, and spec.
func (p Policies) Sorted() Policies {
	var out Policies
	for _, o := range p.Objects {
		if IsPolicy(o) {
			out.Objects = append(out.Objects, clean(o))
		}
	}
	rank := func(o Object) int {
		switch group(o) {
		case TemplatesGroup:
			return 0
		case ConstraintsGroup:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(out.Objects, func(a, b Object) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(str(a["kind"]), str(b["kind"])),
			cmp.Compare(str(asMap(a["metadata"])["name"]), str(asMap(b["metadata"])["name"])))
	})
	return out
}

func clean(o Object) Object {
	meta := asMap(o["metadata"])
	m := map[string]any{"name": meta["name"]}
	if ns, ok := meta["namespace"].(string); ok && ns != "" {
		m["namespace"] = ns
	}
	if l := asMap(meta["labels"]); len(l) > 0 {
		m["labels"] = deepCopy(l)
	}
	ann := map[string]any{}
	for k, v := range asMap(meta["annotations"]) {
		if k != "kubectl.kubernetes.io/last-applied-configuration" && !strings.HasPrefix(k, "meta.helm.sh/") {
			ann[k] = v
		}
	}
	if len(ann) > 0 {
		m["annotations"] = ann
	}
	out := map[string]any{"apiVersion": o["apiVersion"], "kind": o["kind"], "metadata": m}
	if s, ok := o["spec"]; ok {
		out["spec"] = deepCopy(s)
	}
	return out
}

// MarshalList writes the policies, in the order of Sorted, as one v1 List in YAML: the
// snapshot format that LoadPolicies reads.
func (p Policies) MarshalList() ([]byte, error) {
	s := p.Sorted()
	items := make([]any, len(s.Objects))
	for i, o := range s.Objects {
		items[i] = o
	}
	return sigyaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}

// SnapshotFile is where a repository keeps the snapshot of its environment's admission
// policies, relative to the repository root.
const SnapshotFile = ".ck8sargo/admission.yaml"
