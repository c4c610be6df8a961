package yamlerr

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func TestRedactRemovesTheInputThatParsersQuote(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"an unknown alias", "password: *hunter2secret\n", "error converting YAML to JSON: yaml: unknown anchor referenced"},
		{"a value of the wrong type", "replicas: hunter2secret\n", "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field .replicas of type int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				Replicas int `json:"replicas"`
			}
			err := yaml.Unmarshal([]byte(tt.input), &v)
			require.Error(t, err)
			got := Redact(err.Error())
			assert.NotContains(t, got, "hunter2secret")
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, "yaml: line 3: cannot unmarshal !!str into int", Redact("yaml: line 3: cannot unmarshal !!str `hunter2` into int"))
}
