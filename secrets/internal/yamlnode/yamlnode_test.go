package yamlnode

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestDetectIndent(t *testing.T) {
	tests := []struct {
		name, text string
		want       int
	}{
		{"two spaces", "a:\n  b: 1\n", 2},
		{"four spaces", "a:\n    b:\n        c: 1\n", 4},
		{"a sequence flush with its key says nothing", "a:\n- x\nb:\n    c: 1\n", 4},
		{"a comment under a key says nothing", "a:\n      # note\nb:\n   c: 1\n", 3},
		{"nothing nested", "a: 1\n", 2},
		{"too deep to be indentation", "a:\n            b: 1\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, DetectIndent([]byte(tt.text)))
		})
	}
}

func TestValueAndScalar(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("name: shop\nlist: [a]\n"), &doc))
	m := doc.Content[0]
	tests := []struct {
		key, scalar string
		found       bool
	}{
		{"name", "shop", true},
		{"list", "", true},
		{"missing", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			assert.Equal(t, tt.found, Value(m, tt.key) != nil)
			assert.Equal(t, tt.scalar, Scalar(m, tt.key))
		})
	}
	assert.Nil(t, Value(Str("x"), "x"), "a scalar has no keys")
	assert.Equal(t, "!!str", Str("yes").Tag, "a value such as yes stays a string")
}
