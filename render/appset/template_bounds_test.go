package appset

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTemplatesThatWouldExhaustMemoryAreErrors(t *testing.T) {
	params := map[string]any{"name": "ab"}
	tests := []struct {
		name, tmpl string
		want       string // "" means it renders
		out        string
	}{
		{"repeat within the bound renders as sprig does", `{{ repeat 3 .name }}`, "", "ababab"},
		{"repeat past the bound", `{{ repeat 1000000000 .name }}`, "repeat: 1000000000 times 2 bytes", ""},
		{"until within the bound", `{{ range until 3 }}{{ . }}{{ end }}`, "", "012"},
		{"until past the bound", `{{ range until 1000000000 }}{{ end }}`, "until: a size of", ""},
		{"a negative until past the bound", `{{ range until -1000000000 }}{{ end }}`, "until: a size of", ""},
		{"untilStep past the bound", `{{ range untilStep 0 2000000000 1 }}{{ end }}`, "untilStep: a size of", ""},
		{"seq within the bound", `{{ seq 3 }}`, "", "1 2 3"},
		{"seq past the bound", `{{ seq 1 1000000000 }}`, "seq: a size of", ""},
		{"randAlphaNum past the bound", `{{ randAlphaNum 1000000000 }}`, "randAlphaNum: a size of", ""},
		{"indent within the bound", "{{ indent 2 \"a\\nb\" }}", "", "  a\n  b"},
		{"indent past the bound", `{{ indent 1000000000 .name }}`, "indent: 1000000000 spaces", ""},
		{"output past the bound", `{{ range until 100000 }}{{ repeat 100 "x" }}{{ end }}`, "more than an Application can hold", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := newRenderer(true, nil, nil).replace(tt.tmpl, params, nil)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.out, out)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.False(t, strings.Contains(err.Error(), "\n"), "one line")
		})
	}
}
