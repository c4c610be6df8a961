package oneline_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/internal/oneline"
)

func TestMultiLineTextBecomesOneLine(t *testing.T) {
	tests := []struct {
		name, in, fields, lines string
	}{
		{"one line stays", "a b", "a b", "a b"},
		{"runs of spaces and tabs are one space", " a \t  b ", "a b", "a b"},
		{"line breaks", "yaml: line 3:\n  mapping values are not allowed\n", "yaml: line 3: mapping values are not allowed", "yaml: line 3:; mapping values are not allowed"},
		{"empty", "\n \n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.fields, oneline.Fields(tt.in))
			assert.Equal(t, tt.lines, oneline.Lines(tt.in))
		})
	}
}

func ExampleLines() {
	fmt.Println(oneline.Lines("Error: template: x.yaml:3:\n  unexpected EOF\n"))
	// Output: Error: template: x.yaml:3:; unexpected EOF
}
