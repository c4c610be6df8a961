package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/vals"
)

func TestParseValsSpec(t *testing.T) {
	name, path, err := parseValsSpec("db.password=vault:secret/data/shop#password")
	require.NoError(t, err)
	assert.Equal(t, "db.password", name)
	assert.Equal(t, "secrets+literal://vals!ref+vault://secret/data/shop#/password", path)

	for _, bad := range []string{"x", "=vault:a#b", "n=sops:a#b", "n=vault:a", "n=vault:a b#c"} {
		_, _, err := parseValsSpec(bad)
		assert.Error(t, err, bad)
	}
}

func FuzzParseValsSpec(f *testing.F) {
	f.Add("db.password=vault:secret/data/shop#password")
	f.Add("a=vault:#")
	f.Fuzz(func(t *testing.T, spec string) {
		name, path, err := parseValsSpec(spec)
		if err != nil {
			return
		}
		if name == "" || !strings.HasPrefix(path, vals.LiteralPrefix+"ref+vault://") {
			t.Fatalf("parseValsSpec(%q) = %q, %q", spec, name, path)
		}
		refs, err := vals.FindReferences([]byte("kind: Application\nspec: {p: \"" + strings.ReplaceAll(path, `"`, ``) + "\"}\n"))
		if err != nil || len(refs) != 1 {
			t.Fatalf("the path %q is not one vals reference: %v %v", path, refs, err)
		}
	})
}
