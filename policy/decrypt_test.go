package policy_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// An encrypted secrets:// value file is decrypted in-process with the sops library when a
// key is given, so that what the chart renders from it is checked too.
func TestEncryptedValueFilesAreDecryptedWhenAKeyIsGiven(t *testing.T) {
	key, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
	require.NoError(t, err)
	enc := &sops.Client{Keyring: sops.NewKeyring(), Age: []string{key.Recipient}}
	secrets, err := enc.Encrypt(context.Background(), "secrets.yaml", []byte("db:\n  user: from-the-secrets-file\n  password: hunter2\n"))
	require.NoError(t, err)

	dir := writeFiles(t, map[string]string{
		"apps/shop.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd-system}
spec:
  project: shop
  source:
    repoURL: https://git.example.com/team/deploy.git
    path: chart
    helm: {valueFiles: [secrets://secrets.yaml]}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`,
		"chart/Chart.yaml":          "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
		"chart/templates/ns.yaml":   "apiVersion: v1\nkind: Namespace\nmetadata: {name: \"{{ .Values.db.user }}\"}\n",
		"chart/secrets.yaml":        string(secrets),
		"chart/templates/_help.tpl": "",
	})
	opts := options(dir)
	opts.Profile.Features.HelmSecrets.Enabled = true
	opts.RepoRoot, opts.RepoURL = dir, "https://git.example.com/team/deploy.git"

	// Without a key the chart fails on the missing value, and the file is reported.
	rep, err := check(t, dir, opts, filepath.Join(dir, "apps"))
	require.NoError(t, err)
	assert.Contains(t, rulesOf(rep), "chart/secrets.yaml:0 not-rendered")

	ring := sops.NewKeyring()
	require.NoError(t, ring.AddIdentity("test", key.Private))
	opts.Decrypter = &sops.Client{Keyring: ring}
	rep, err = check(t, dir, opts, filepath.Join(dir, "apps"))
	require.NoError(t, err)
	require.Equal(t, []string{"chart/templates/ns.yaml:0 no-namespace-resource"}, rulesOf(rep))
	assert.Equal(t, "from-the-secrets-file", rep.Findings[0].Object.Name)
	for _, f := range rep.Findings {
		assert.NotContains(t, f.Message, "hunter2")
	}
}
