package vals_test

import (
	"strings"
	"testing"

	"github.com/ck8sargo/ck8sargo/secrets/vals"
)

func FuzzFindReferences(f *testing.F) {
	f.Add([]byte(appYAML))
	f.Add([]byte("kind: Application\nspec: {a: 'ref+vault://x#/y ref+vault://'}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		refs, err := vals.FindReferences(data)
		if err != nil {
			return
		}
		for _, r := range refs {
			if !strings.HasPrefix(r.Ref, "ref+") {
				t.Fatalf("reference %q does not start with ref+", r.Ref)
			}
		}
	})
}

func FuzzParseWireSpec(f *testing.F) {
	f.Add("db.password=vault:secret/data/shop#password")
	f.Add("a=vault:#")
	f.Fuzz(func(t *testing.T, spec string) {
		name, path, err := vals.ParseWireSpec(spec)
		if err != nil {
			return
		}
		if name == "" || !strings.HasPrefix(path, vals.LiteralPrefix+"ref+vault://") {
			t.Fatalf("ParseWireSpec(%q) = %q, %q", spec, name, path)
		}
		refs, err := vals.FindReferences([]byte("kind: Application\nspec: {p: \"" + strings.ReplaceAll(path, `"`, ``) + "\"}\n"))
		if err != nil || len(refs) != 1 {
			t.Fatalf("the path %q is not one vals reference: %v %v", path, refs, err)
		}
	})
}
