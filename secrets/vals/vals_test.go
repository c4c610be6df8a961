package vals_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/secrets"
	"github.com/ck8sargo/ck8sargo/secrets/vals"
	"github.com/ck8sargo/ck8sargo/secrets/vals/valstest"
)

const (
	plantedToken    = "hvs.planted-token-value"
	plantedSecretID = "planted-secret-id-4f2a"
	plantedPassword = "planted-db-password"
)

func TestBuildSecretTakesValuesByteExactWithProfileNames(t *testing.T) {
	p := argocdmanaged.DefaultProfile()
	p.Features.Vals.SecretName = "team-vals"
	s, err := vals.BuildSecret(p, vals.SecretOptions{
		Addr: "https://vault.example.com:8200", AuthMethod: vals.AuthAppRole,
		RoleID: vals.Value{Data: []byte("role-1")}, SecretID: vals.Value{Data: []byte(plantedSecretID)},
	})
	require.NoError(t, err)
	assert.Equal(t, "team-vals", s.Name)
	assert.Equal(t, p.ArgoCD.Namespace, s.Namespace)
	assert.Equal(t, p.Features.Vals.SecretLabel, s.Labels[argocdmanaged.SecretTypeLabel])
	assert.Equal(t, []byte(plantedSecretID), s.Data[vals.KeySecretID])
	assert.Equal(t, []byte("approle"), s.Data[vals.KeyAuthMethod])
	assert.Equal(t, []string{"VAULT_ADDR", "VAULT_AUTH_METHOD", "VAULT_ROLE_ID", "VAULT_SECRET_ID"}, vals.DataKeys(s))
}

func TestBuildSecretRefusesWhatValsWouldMisread(t *testing.T) {
	tok := vals.Value{Data: []byte(plantedToken)}
	tests := []struct {
		name string
		opts vals.SecretOptions
		want string
	}{
		{"a token file with a trailing newline", vals.SecretOptions{Addr: "https://v:8200", Token: vals.Value{Data: []byte(plantedToken + "\n"), Source: "--token-file tok.txt"}}, "--token-file tok.txt for VAULT_TOKEN ends with a newline"},
		{"a secret ID file with CRLF", vals.SecretOptions{Addr: "https://v:8200", AuthMethod: vals.AuthAppRole, RoleID: vals.Value{Data: []byte("r")}, SecretID: vals.Value{Data: []byte(plantedSecretID + "\r\n"), Source: "--secret-id-file s"}}, "ends with a newline"},
		{"a role ID without approle", vals.SecretOptions{Addr: "https://v:8200", Token: tok, RoleID: vals.Value{Data: []byte("r")}}, "silently log in with VAULT_TOKEN"},
		{"approle without secret ID", vals.SecretOptions{Addr: "https://v:8200", AuthMethod: vals.AuthAppRole, RoleID: vals.Value{Data: []byte("r")}}, "needs both VAULT_ROLE_ID and VAULT_SECRET_ID"},
		{"token auth without a token", vals.SecretOptions{Addr: "https://v:8200"}, "needs the token"},
		{"kubernetes without a role", vals.SecretOptions{Addr: "https://v:8200", AuthMethod: vals.AuthKubernetes}, "role name"},
		{"no address", vals.SecretOptions{Token: tok}, "address is missing"},
		{"an address that is not a URL", vals.SecretOptions{Addr: "vault:8200", Token: tok}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := vals.BuildSecret(argocdmanaged.DefaultProfile(), tt.opts)
			require.ErrorIs(t, err, vals.ErrInvalidSettings)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "planted")
		})
	}
}

func TestRef(t *testing.T) {
	ref, err := vals.Ref("secret/user/", "password")
	require.NoError(t, err)
	assert.Equal(t, "secrets+literal://vals!ref+vault://secret/user/#/password", ref, "the seed's example")
}

const appYAML = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  source:
    repoURL: https://git.example.com/shop.git
    path: deploy/helm/app
    helm:
      valueFiles: [values.yaml]
      fileParameters:
        - name: password
          path: secrets+literal://vals!ref+vault://secret/shop/db#/password
        - name: user
          path: secrets+literal://vals!ref+vault://secret/shop/db#/user
        - name: apiKey
          path: secrets+literal://vals!ref+vault://secret/shop/api#/key
        - name: missingKey
          path: secrets+literal://vals!ref+vault://secret/shop/db#/nope
        - name: other
          path: secrets+literal://vals!ref+awssecrets://shop/db#/password
`

func TestCheckReportsMissingReferencesWithoutValues(t *testing.T) {
	srv := valstest.NewKVServer(t, plantedToken, map[string]map[string]any{
		"shop/db": {"password": plantedPassword, "user": "shop"},
	})
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(plantedToken), 0o600))

	refs, err := vals.FindReferences([]byte(appYAML))
	require.NoError(t, err)
	require.Len(t, refs, 5)
	assert.Equal(t, "secret/shop/db", refs[0].Path)
	assert.Equal(t, "password", refs[0].Key)
	assert.Contains(t, refs[0].Location, "spec.source.helm.fileParameters[0].path")

	res, err := vals.Check(context.Background(), refs, vals.VaultConfig{Addr: srv.URL, TokenFile: tokenFile})
	require.NoError(t, err)
	got := map[string]vals.Status{}
	for _, r := range res {
		got[r.Path+"#"+r.Key] = r.Status
	}
	assert.Equal(t, map[string]vals.Status{
		"secret/shop/db#password": vals.StatusFound,
		"secret/shop/db#user":     vals.StatusFound,
		"secret/shop/api#key":     vals.StatusMissing,
		"secret/shop/db#nope":     vals.StatusMissing,
		"shop/db#password":        vals.StatusUnsupported,
	}, got)
	out, err := json.Marshal(res)
	require.NoError(t, err)
	assert.NotContains(t, string(out), plantedPassword)

	t.Run("a wrong token is an error, not a missing value", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "token")
		require.NoError(t, os.WriteFile(bad, []byte("wrong"), 0o600))
		res, err := vals.Check(context.Background(), refs[:1], vals.VaultConfig{Addr: srv.URL, TokenFile: bad})
		require.NoError(t, err)
		assert.Equal(t, vals.StatusError, res[0].Status)
		assert.Contains(t, res[0].Message, "permission denied")
	})
}

func TestFindReferencesRefusesOtherKinds(t *testing.T) {
	_, err := vals.FindReferences([]byte("apiVersion: v1\nkind: ConfigMap\n"))
	assert.ErrorContains(t, err, "not an Argo CD Application")
}

func TestApplyWithTheDeveloperIdentity(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	dev, err := argocdmanaged.NewClientsForConfig(env.Developer)
	require.NoError(t, err)
	s, err := vals.BuildSecret(env.Profile, vals.SecretOptions{Addr: "https://vault.example.com:8200", Token: vals.Value{Data: []byte(plantedToken)}})
	require.NoError(t, err)

	_, err = secrets.ApplySecret(ctx, dev, s, secrets.ApplyOptions{DryRun: argocdmanaged.DryRunServer})
	require.NoError(t, err, "server-side dry run")
	_, err = env.AdminClient.CoreV1().Secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
	require.Error(t, err, "a dry run stores nothing")

	got, err := secrets.ApplySecret(ctx, dev, s, secrets.ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, []byte(plantedToken), got.Data[vals.KeyToken])
	stored, err := env.AdminClient.CoreV1().Secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, s.Data, stored.Data)
	assert.Equal(t, env.Profile.Features.Vals.SecretLabel, stored.Labels[argocdmanaged.SecretTypeLabel])
	managers := []string{}
	for _, m := range stored.ManagedFields {
		managers = append(managers, m.Manager)
	}
	assert.Contains(t, managers, argocdmanaged.DefaultFieldManager)

	// Applying again (a new token) updates it.
	s.Data[vals.KeyToken] = []byte(plantedToken + "-2")
	_, err = secrets.ApplySecret(ctx, dev, s, secrets.ApplyOptions{})
	require.NoError(t, err)

	t.Run("a Secret the developer may not write is refused with the permission to ask for", func(t *testing.T) {
		other := s.DeepCopy()
		other.Name = "not-allowed"
		_, err := secrets.ApplySecret(ctx, dev, other, secrets.ApplyOptions{})
		var fe *argocdmanaged.ForbiddenError
		require.True(t, errors.As(err, &fe), "%v", err)
		assert.Contains(t, err.Error(), "ask the Platform Administrator")
		assert.NotContains(t, err.Error(), plantedToken)
		assert.NotContains(t, err.Error(), base64.StdEncoding.EncodeToString([]byte(plantedToken)))
		assert.False(t, strings.Contains(err.Error(), "\n"))
	})
}
