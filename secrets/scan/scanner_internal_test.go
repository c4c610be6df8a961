package scan

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMayHoldSecretKind checks the test that spares files the YAML parser: every spelling
// of kind Secret says yes, names that only hold the word say no.
func TestMayHoldSecretKind(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"plain", "apiVersion: v1\nkind: Secret\n", true},
		{"double quoted", `kind: "Secret"`, true},
		{"single quoted", "kind: 'Secret'", true},
		{"json", `{"kind":"Secret"}`, true},
		{"flow", "{apiVersion: v1, kind: Secret, data: {a: b}}", true},
		{"block scalar", "kind: >-\n  Secret\n", true},
		{"tag and anchor", "kind: &k !!str Secret", true},
		{"at the end", "kind: Secret", true},
		{"escaped", `kind: "\x53ecret"`, true},
		{"unicode escape in json", `{"kind": "\u0053ecret"}`, true},
		{"comment after", "kind: Secret # plaintext\n", true},
		{"existingSecret", "existingSecret: db-credentials\n", false},
		{"SealedSecret", "kind: SealedSecret\n", false},
		{"ExternalSecret", "kind: ExternalSecret\n", false},
		{"Secrets", "# Secrets live in Vault\n", false},
		{"secretKeyRef", "valueFrom:\n  secretKeyRef:\n    name: db\n", false},
		{"template value", "name: {{ .Values.existingSecret }}\n", false},
		{"SecretStore then Secret", "kind: SecretStore\n---\nkind: Secret\n", true},
		{"none", "kind: ConfigMap\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, mayHoldSecretKind([]byte(tt.data)))
		})
	}
}
