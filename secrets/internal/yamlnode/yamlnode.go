// Package yamlnode holds the yaml.Node helpers that the secrets packages share: those
// editing YAML in place (sopsconfig for .sops.yaml, wire for Application manifests) find
// keys, make scalars and keep the file's indentation the same way, and scan reads
// manifests and .sops.yaml with the same lookups.
package yamlnode

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Str is a string scalar node; the explicit tag keeps a value such as "yes" or "1" a string.
func Str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// Value is the value node of key in the mapping m; nil when m is not a mapping or has no
// such key.
func Value(m *yaml.Node, key string) *yaml.Node {
	if i := keyIndex(m, key); i >= 0 {
		return m.Content[i+1]
	}
	return nil
}

// Key is the key node of key in the mapping m (where a finding about the key points); nil
// when m is not a mapping or has no such key.
func Key(m *yaml.Node, key string) *yaml.Node {
	if i := keyIndex(m, key); i >= 0 {
		return m.Content[i]
	}
	return nil
}

// keyIndex is the index in m.Content of the first key node named key, -1 when m is not a
// mapping or has none.
func keyIndex(m *yaml.Node, key string) int {
	if m == nil || m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// Scalar is the value of key in m when it is a scalar; "" otherwise.
func Scalar(m *yaml.Node, key string) string {
	if v := Value(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// DetectIndent guesses the indentation of YAML text: the smallest indentation of a line
// under a "key:" line, 2 when there is none. A sequence flush with its key adds nothing
// (its indentation is 0), so that written files keep the style of the original.
func DetectIndent(data []byte) int {
	best := 0
	lines := strings.Split(string(data), "\n")
	for i := 1; i < len(lines); i++ {
		prev := strings.TrimRight(lines[i-1], " \t\r")
		if !strings.HasSuffix(prev, ":") || strings.HasPrefix(strings.TrimSpace(prev), "#") {
			continue
		}
		trimmed := strings.TrimLeft(lines[i], " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		d := len(lines[i]) - len(trimmed) - (len(prev) - len(strings.TrimLeft(prev, " ")))
		if d > 0 && (best == 0 || d < best) {
			best = d
		}
	}
	if best < 2 || best > 8 {
		return 2
	}
	return best
}
