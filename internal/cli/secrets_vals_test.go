package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/secrets/vals/valstest"
)

var valsPlanted = []string{"hvs.planted-vault-token", "planted-secret-id-77", "planted-db-password-x1"}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestSecretsValsRef_printsTheSeedSyntax(t *testing.T) {
	r := runSecretsCmd(t, "", "secrets", "vals-ref", "vault", "secret/user/", "password")
	require.Equal(t, ExitOK, r.code, r.msg)
	assert.Equal(t, "secrets+literal://vals!ref+vault://secret/user/#/password\n", r.stdout)
	r = runSecretsCmd(t, "", "secrets", "vals-ref", "aws", "x", "y")
	assert.Equal(t, ExitError, r.code)
}

func TestSecretsValsSecret_printsByteExactAndRefusesTraps(t *testing.T) {
	dir := t.TempDir()
	tok := writeFile(t, dir, "token", "hvs.planted-vault-token")
	tokNL := writeFile(t, dir, "token-nl", "hvs.planted-vault-token\n")
	sid := writeFile(t, dir, "sid", "planted-secret-id-77")

	r := runSecretsCmd(t, "", "secrets", "vals-secret", "--addr", "https://vault.example.com:8200", "--token-file", tok, "-o", "yaml")
	require.Equal(t, ExitOK, r.code, r.msg)
	var s corev1.Secret
	require.NoError(t, yaml.Unmarshal([]byte(r.stdout), &s))
	assert.Equal(t, []byte("hvs.planted-vault-token"), s.Data["VAULT_TOKEN"])
	assert.Equal(t, "vals-secret", s.Name)
	assert.Equal(t, "argocd-system", s.Namespace)
	assert.Equal(t, "vals-secret", s.Labels["argocd.argoproj.io/secret-type"])

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a token file ending in a newline", []string{"--token-file", tokNL}, "ends with a newline"},
		{"a role ID with token auth", []string{"--token-file", tok, "--role-id", "r1"}, "silently log in with VAULT_TOKEN"},
		{"approle without a secret ID", []string{"--auth-method", "approle", "--role-id", "r1"}, "needs both --role-id and --secret-id-file"},
		{"an unknown auth method", []string{"--auth-method", "ldap", "--token-file", tok}, "unknown Vault auth method"},
		{"neither -o nor --apply", []string{"--token-file", tok, "-o", ""}, "--apply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"secrets", "vals-secret", "--addr", "https://vault.example.com:8200", "-o", "yaml"}, tt.args...)
			r := runSecretsCmd(t, "", args...)
			assert.Equal(t, ExitError, r.code)
			assert.Contains(t, r.msg, tt.want)
			assert.Empty(t, r.stdout)
			assertNoPlanted(t, r)
		})
	}
	t.Run("approle with both", func(t *testing.T) {
		r := runSecretsCmd(t, "", "secrets", "vals-secret", "--addr", "https://v:8200", "--auth-method", "approle", "--role-id", "r1", "--secret-id-file", sid, "-o", "json")
		require.Equal(t, ExitOK, r.code, r.msg)
		assert.Contains(t, r.stdout, `"VAULT_AUTH_METHOD": "YXBwcm9sZQ=="`)
	})
}

func TestSecretsValsSecret_applyAsTheDeveloper(t *testing.T) {
	testenv.Require(t, env)
	dir := t.TempDir()
	tok := writeFile(t, dir, "token", "hvs.planted-vault-token")
	kc := env.DeveloperKubeconfig
	r := runSecretsCmd(t, "", "--kubeconfig", kc, "secrets", "vals-secret", "--addr", "https://vault.example.com:8200", "--token-file", tok, "--apply")
	require.Equal(t, ExitOK, r.code, r.msg)
	assert.Contains(t, r.stdout, "restart the Argo CD repo server")
	assertNoPlanted(t, r)
	stored, err := env.AdminClient.CoreV1().Secrets(env.Profile.ArgoCD.Namespace).Get(context.Background(), env.Profile.Features.Vals.SecretName, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []byte("hvs.planted-vault-token"), stored.Data["VAULT_TOKEN"])

	t.Run("a Secret the developer may not write fails with the permission message", func(t *testing.T) {
		p := writeFile(t, dir, "profile.yaml", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nfeatures:\n  vals:\n    secretName: someone-elses-secret\n")
		r := runSecretsCmd(t, "", "--kubeconfig", kc, "--profile", p, "secrets", "vals-secret", "--addr", "https://vault.example.com:8200", "--token-file", tok, "--apply")
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.msg, "forbidden")
		assert.Contains(t, r.msg, "ask the Platform Administrator")
		assertNoPlanted(t, r)
	})
}

func TestSecretsValsCheck_reportsMissingWithoutValues(t *testing.T) {
	srv := valstest.NewKVServer(t, "hvs.planted-vault-token", map[string]map[string]any{
		"shop/db": {"password": "planted-db-password-x1"},
	})
	dir := t.TempDir()
	tok := writeFile(t, dir, "token", "hvs.planted-vault-token")
	app := writeFile(t, dir, "app.yaml", `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd-system}
spec:
  source:
    helm:
      fileParameters:
        - {name: password, path: "secrets+literal://vals!ref+vault://secret/shop/db#/password"}
        - {name: apiKey, path: "secrets+literal://vals!ref+vault://secret/shop/api#/key"}
`)
	r := runSecretsCmd(t, "", "secrets", "vals-check", app, "--vault-addr", srv.URL, "--token-file", tok)
	assert.Equal(t, ExitFindings, r.code, r.msg)
	assert.Contains(t, r.stdout, "secret/shop/db#password: found")
	assert.Contains(t, r.stdout, "secret/shop/api#key: missing")
	assertNoPlanted(t, r)

	r = runSecretsCmd(t, "", "secrets", "vals-check", app, "--vault-addr", srv.URL, "--token-file", tok, "-o", "json")
	assert.Equal(t, ExitFindings, r.code)
	assert.Contains(t, r.stdout, `"status": "missing"`)
	assertNoPlanted(t, r)
}
