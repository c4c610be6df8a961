package sops

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// yamlForms are the YAML forms whose sops trees loadPlain must give exactly as the sops
// store does, errors included.
var yamlForms = map[string]string{
	"flat":                         "a: 1\nb: two\n",
	"empty":                        "",
	"only a comment":               "# nothing here\n",
	"head comment":                 "# head\na: 1\n",
	"head comment and a blank":     "# head\n\na: 1\n",
	"document start":               "---\na: 1\n",
	"comment before start":         "# c\n\n---\n# d\na: 1\n",
	"comment on the start":         "--- # c\na: 1\n",
	"several documents":            "a: 1\n---\nb: 2\n---\n---\nc: [1, 2]\n",
	"document end":                 "a: 1\n...\n# after the end\n",
	"inline and foot comments":     "a: 1 # x\nb:\n  # in b\n  c: 2 # y\n  # foot of c\n# foot\n",
	"lists with comments":          "l:\n  # first\n  - 1 # one\n  - [a, b]\n  - {k: v} # flow\n  # last\n",
	"nested lists of maps":         "l:\n  - a: 1\n    b: [x, {y: z}]\n  - - deep\n",
	"scalar types":                 "i: 12\nf: 1.5\nb: true\nn: null\ns: '012'\nt: 2024-01-02T03:04:05Z\nbig: 123456789012345678901234567890\nml: |\n  line 1\n  line 2\n",
	"non-string keys":              "1: one\ntrue: yes\n1.5: x\n~: null key\n",
	"duplicate top-level keys":     "a: 1\nb: 2\na: 3\nb: 4\na: 5\n",
	"duplicate nested keys":        "x:\n  a: 1\n  a: 2\ny:\n  - b: 1\n    b: 2\n",
	"duplicate in a later doc":     "a: 1\n---\nb: 1\nb: 2\n",
	"duplicates in dup parent":     "a:\n  x: 1\n  x: 2\na: 3\n",
	"a list document":              "- a\n- b\n",
	"a scalar document":            "just text\n",
	"a list second document":       "a: 1\n---\n- x\n",
	"syntax error":                 "a: [1, 2\n",
	"syntax error in a later doc":  "a: 1\n---\nb: [1\n",
	"tab indentation":              "a:\n\tb: 1\n",
	"aliases":                      "base: &b {x: 1}\nuse: *b\n",
	"merge keys":                   "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n",
	"inline merge":                 "use:\n  <<: {x: 1}\n",
	"explicit tags":                "a: !!str 1\nb: !!binary aGVsbG8=\nc: !!int nope\n",
	"complex key":                  "? [a, b]\n: 1\n",
	"sops key":                     "sops:\n  version: 3\na: 1\n",
	"empty values":                 "a:\nb: {}\nc: []\nd: ''\n",
	"unicode and quoting":          "\"quoted key\": \"v\\n\"\nü: 'single'\nlong: >\n  folded\n  text\n",
	"comment between documents":    "a: 1\n# between\n---\n# top of b\nb: 2\n",
	"windows line ends":            "a: 1\r\nb: 2\r\n",
	"byte order mark":              "\ufeffa: 1\n",
	"directive":                    "%YAML 1.2\n---\na: 1\n",
	"many keys with one duplicate": strings.Repeat("k: v\n", 2) + "z: 1\n",
}

func TestLoadPlainMatchesTheSopsStore(t *testing.T) {
	store := common.DefaultStoreForPath(config.NewStoresConfig(), "values.yaml")
	forms := map[string]string{}
	for k, v := range yamlForms {
		forms[k] = v
	}
	// sops's own test files, as the sops CLI's functional tests use them.
	sopsDir := sopsModuleDir(t)
	files, err := filepath.Glob(filepath.Join(sopsDir, "functional-tests", "res", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	files = append(files, filepath.Join(sopsDir, "example.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		forms["sops "+filepath.Base(f)] = string(data)
	}
	for name, in := range forms {
		t.Run(name, func(t *testing.T) {
			want, wantErr := store.LoadPlainFile([]byte(in))
			got, gotErr := loadPlain(store, []byte(in))
			if wantErr != nil {
				require.Error(t, gotErr)
				assert.Equal(t, wantErr.Error(), gotErr.Error())
				return
			}
			require.NoError(t, gotErr)
			assert.Equal(t, want, got)
			if strings.Contains(in, "sops:") {
				wantTree, wantErr := store.LoadEncryptedFile([]byte(in))
				gotTree, gotErr := loadEncrypted(store, []byte(in))
				assert.Equal(t, wantErr, gotErr)
				assert.Equal(t, wantTree, gotTree)
			}
		})
	}
}

// Fails before the fix: the sops store's duplicate-key check compares every key with every
// later one; at 50,000 keys it took fifty times as long as parsing the YAML. The time is
// measured against parsing the same text, so that a busy machine slows both alike.
func TestLoadPlainIsLinearInTheNumberOfKeys(t *testing.T) {
	store := common.DefaultStoreForPath(config.NewStoresConfig(), "values.yaml")
	var b strings.Builder
	for i := 0; i < 50_000; i++ {
		fmt.Fprintf(&b, "key%06d: value-%06d\n", i, i)
	}
	in := []byte(b.String())
	best := func(f func()) time.Duration {
		d := time.Duration(1 << 62)
		for range 3 {
			runtime.GC()
			start := time.Now()
			f()
			d = min(d, time.Since(start))
		}
		return d
	}
	parse := best(func() {
		var n yaml.Node
		require.NoError(t, yaml.Unmarshal(in, &n))
	})
	load := best(func() {
		_, err := loadPlain(store, in)
		require.NoError(t, err)
	})
	t.Logf("50,000 keys: parsing %v, loading %v (%.1fx)", parse, load, float64(load)/float64(parse))
	assert.Less(t, float64(load)/float64(parse), 12.0, "loading costs a few parses, not one per key")
}

func sopsModuleDir(t *testing.T) string {
	t.Helper()
	dir, err := testenv.ModuleDir(t.Context(), "github.com/getsops/sops/v3@v"+Version)
	require.NoError(t, err)
	return dir
}
