package argocdmanaged_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// issueExample is the file format as the foundation issue gives it: the contract.
const issueExample = `apiVersion: ck8sargo.io/v1alpha1
kind: Profile
argocd:
  namespace: argocd-system              # default
  server: https://kubernetes.default.svc # default
namespaces:
  managed: [shop, shop-staging]         # where Applications may deploy
  platform: [kube-system, velero]       # optional; replaces the built-in list
features:
  helmSecrets: {enabled: true, keySecretLabel: helm-secrets}
  sealedSecrets: {enabled: true, controllerNamespace: sealed-secrets, controllerName: sealed-secrets-controller}
  vals: {enabled: true}
  appsOfApps: {enabled: false}
registries: [harbor.example.com]        # allowed image registries; empty = not checked
policy: {disable: [], severity: {}, ignorePaths: []}   # filled by the policy issue
backup: {to: "", recipients: []}                     # filled by the backup issue
`

func TestParseProfileReadsTheDocumentedFormat(t *testing.T) {
	p, err := argocdmanaged.ParseProfile([]byte(issueExample), ".ck8sargo.yaml", argocdmanaged.DefaultProfile())
	require.NoError(t, err)
	assert.Equal(t, []string{"shop", "shop-staging"}, p.Namespaces.Managed)
	assert.Equal(t, []string{"kube-system", "velero"}, p.Namespaces.Platform)
	assert.True(t, p.Features.HelmSecrets.Enabled)
	assert.Equal(t, "helm-secrets-private-keys", p.Features.HelmSecrets.KeySecretName, "absent keys keep their defaults")
	assert.True(t, p.Features.Vals.Enabled)
	assert.Equal(t, []string{"harbor.example.com"}, p.Registries)
	assert.Equal(t, ".ck8sargo.yaml:7", p.Source("namespaces.managed"))
	assert.Equal(t, ".ck8sargo.yaml:10", p.Source("features.helmSecrets.enabled"), "a flow mapping's keys are on its line")
	assert.Equal(t, argocdmanaged.SourceDefault, p.Source("notifications.configMap"))
}

func TestParseProfileRefusesMistakesWithKeyAndLine(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"unknown key", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nargocd:\n  namespce: x\n", "p.yaml:4: argocd.namespce: unknown key; known keys here: applicationNamespaces, kustomizeBuildOptions, namespace, server, serverName, version"},
		{"unknown top-level key", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nfeature: {}\n", "p.yaml:3: feature: unknown key"},
		{"wrong type: bool", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nfeatures:\n  vals: {enabled: yes please}\n", `p.yaml:4: features.vals.enabled: expected true or false, found "yes please"`},
		{"wrong type: list", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nnamespaces:\n  managed: shop\n", `p.yaml:4: namespaces.managed: expected a list, found "shop"`},
		{"wrong type: mapping", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nargocd: argocd-system\n", `p.yaml:3: argocd: expected a mapping, found "argocd-system"`},
		{"empty file", "", "p.yaml: the file is empty"},
		{"only a comment", "# nothing\n", "p.yaml: the file is empty"},
		{"binary file", "\x7fELF\x02\x01\x01\x00\x00", "p.yaml: not a YAML text file"},
		{"invalid YAML", "apiVersion: ck8sargo.io/v1alpha1\nkind: [Profile\n", "invalid YAML: did not find expected ',' or ']'"},
		{"a list, not a profile", "- a\n- b\n", "p.yaml:1: expected a mapping"},
		{"missing apiVersion", "kind: Profile\n", "apiVersion: missing; add `apiVersion: ck8sargo.io/v1alpha1`"},
		{"wrong apiVersion", "apiVersion: v1\nkind: Profile\n", `p.yaml:1: apiVersion: "v1" is not supported`},
		{"bad namespace name", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nnamespaces:\n  managed: [Shop_Prod]\n", `p.yaml:4: namespaces.managed[0]: "Shop_Prod" is not a namespace name`},
		{"server not https", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nargocd:\n  server: kubernetes.default.svc\n", `p.yaml:4: argocd.server: "kubernetes.default.svc" is not an https URL`},
		{"registry with scheme", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nregistries: [https://harbor.example.com]\n", `registries[0]: "https://harbor.example.com" is not a registry host`},
		{"unknown severity", "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\npolicy:\n  severity: {default-project: fatal}\n", `p.yaml:4: policy.severity.default-project: "fatal" is not a severity`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := argocdmanaged.DefaultProfile()
			got, err := argocdmanaged.ParseProfile([]byte(tt.data), "p.yaml", base)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			var pe *argocdmanaged.ProfileError
			assert.True(t, errors.As(err, &pe), "typed error")
			assert.Equal(t, base.ArgoCD, got.ArgoCD, "the base is returned unchanged")
		})
	}
}

func TestFindProfileWalksUpFromTheWorkingDirectory(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "apps", "shop", "overlays")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, argocdmanaged.ProfileFileName), []byte(issueExample), 0o644))

	got, err := argocdmanaged.FindProfile(deep)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, argocdmanaged.ProfileFileName), got)

	none, err := argocdmanaged.FindProfile(t.TempDir())
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestLoadProfileFileNamesAMissingOrUnreadableFile(t *testing.T) {
	_, err := argocdmanaged.LoadProfileFile(filepath.Join(t.TempDir(), "nope.yaml"), argocdmanaged.DefaultProfile())
	// The library names no command; the plugin says which (internal/cli TestArgocdmanagedErrorsGetThePluginsHints).
	assert.ErrorContains(t, err, "no such file")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestMarshalProfileRoundTrips(t *testing.T) {
	p, err := argocdmanaged.ParseProfile([]byte(issueExample), "p.yaml", argocdmanaged.DefaultProfile())
	require.NoError(t, err)
	data, err := argocdmanaged.MarshalProfile(p)
	require.NoError(t, err)
	back, err := argocdmanaged.ParseProfile(data, "out.yaml", argocdmanaged.DefaultProfile())
	require.NoError(t, err)
	assert.Equal(t, p.Fields()[0].Value, back.Fields()[0].Value)
	for i, f := range p.Fields() {
		assert.Equal(t, f.Value, back.Fields()[i].Value, f.Path)
	}
}

func TestProfileNamespaceQuestions(t *testing.T) {
	p := argocdmanaged.DefaultProfile()
	assert.True(t, p.IsPlatformNamespace("kube-system"))
	assert.True(t, p.IsPlatformNamespace("argocd-system"))
	assert.True(t, p.IsManagedNamespace("shop"), "an unknown managed list accepts tenant namespaces")
	assert.False(t, p.IsManagedNamespace("velero"))
	p.Namespaces.Managed = []string{"shop"}
	assert.False(t, p.IsManagedNamespace("shop-staging"))

	inCluster := argocdmanaged.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: "shop"}
	assert.True(t, p.IsInClusterDestination(inCluster))
	assert.True(t, p.IsInClusterDestination(argocdmanaged.ApplicationDestination{Name: "in-cluster"}))
	assert.False(t, p.IsInClusterDestination(argocdmanaged.ApplicationDestination{Server: "https://prod.example.com:6443"}))
	assert.False(t, p.IsInClusterDestination(argocdmanaged.ApplicationDestination{Name: "prod"}))

	assert.True(t, p.IsHelmSecretsKeyLabel("helm-secrets"))
	assert.True(t, p.IsHelmSecretsKeyLabel("repository"), "the label the older user guide gives is accepted on read")
	assert.False(t, p.IsHelmSecretsKeyLabel("cluster"))
}

func FuzzParseProfile(f *testing.F) {
	f.Add([]byte(issueExample))
	f.Add([]byte("apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nargocd: &a {namespace: x}\nnamespaces: *a\n"))
	f.Add([]byte("policy: {severity: {a: [1]}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := argocdmanaged.ParseProfile(data, "f.yaml", argocdmanaged.DefaultProfile())
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted profile does not validate: %v", err)
		}
	})
}
