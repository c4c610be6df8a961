package diff_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/diff"
)

// fuzzObjects reads a YAML stream as the objects of one Application; documents that are
// not maps are left out, as the renderer leaves them out.
func fuzzObjects(data []byte) []render.Object {
	var out []render.Object
	for _, doc := range bytes.Split(data, []byte("\n---")) {
		var m map[string]any
		if yaml.Unmarshal(doc, &m) == nil && m != nil {
			out = append(out, render.Object{Content: m, File: "templates/x.yaml", RenderedBy: render.KindHelm})
		}
	}
	return out
}

// FuzzCompare feeds two renderings of one Application to Compare and every writer: a
// rendering compared with itself has no change, and every format writes (JSON that parses).
func FuzzCompare(f *testing.F) {
	f.Add([]byte(cm1+"---\n"+deploy1), []byte(cm2+"---\n"+deploy2+"---\n"+svc))
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\ndata: {a: YQ==}\nstringData: {b: c}\n"),
		[]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\ndata: {a: Yg==, x: 3}\nstringData: [1]\n"))
	f.Add([]byte("kind: X\nmetadata: {name: [1]}\n"), []byte("apiVersion: 3\nkind: {a: b}\n"))
	f.Add([]byte(role), []byte(""))
	f.Fuzz(func(t *testing.T, base, head []byte) {
		b := &render.Result{Applications: []render.Application{app("shop", "apps/shop.yaml", fuzzObjects(base)...)}}
		h := &render.Result{Applications: []render.Application{app("shop", "apps/shop.yaml", fuzzObjects(head)...)}}
		if same := diff.Compare(b, b, diff.DefaultOptions()); same.HasChanges() {
			t.Fatalf("a rendering compared with itself changed: %+v", same.Applications)
		}
		rep := diff.Compare(b, h, diff.DefaultOptions())
		for _, format := range diff.Formats {
			var out bytes.Buffer
			if err := diff.Write(&out, format, rep, diff.WriteOptions{}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if format == "json" && !json.Valid(out.Bytes()) {
				t.Fatalf("json output does not parse: %s", out.String())
			}
		}
	})
}
