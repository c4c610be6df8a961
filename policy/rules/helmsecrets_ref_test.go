package rules_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelmSecretsValuesRefNamesTheFormThatWorksOrWhyNoneDoes(t *testing.T) {
	rep := checkFixture(t, filepath.Join("testdata", "helm-secrets-values-ref", "fires-values-ref"))
	got := findingsOf(rep, "helm-secrets-values-ref")
	require.Len(t, got, 3, "%+v", got)
	for _, f := range got {
		assert.Contains(t, f.Message, "argoproj/argo-cd#11866")
		assert.Equal(t, "shop", f.Object.Name)
	}
	assert.Contains(t, got[0].Message, "secrets://$values/env/prod/secrets.yaml")
	assert.Contains(t, got[0].Remediation, "Write it as secrets://../../env/prod/secrets.yaml")
	assert.Contains(t, got[0].Remediation, "HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL")
	assert.Contains(t, got[1].Remediation, "Write it as secrets://../../env/prod/secrets.yaml", "the import form too")
	assert.Contains(t, got[2].Remediation, "No value file form of it is decrypted")
	assert.Contains(t, got[2].Remediation, "https://git.example.com/team/config.git")
	assert.Contains(t, got[2].Remediation, "Vault")
}
