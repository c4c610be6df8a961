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
