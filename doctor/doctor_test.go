package doctor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/doctor"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

func clients(t *testing.T, cfg *rest.Config) *argocdmanaged.Clients {
	t.Helper()
	c, err := argocdmanaged.NewClientsForConfig(cfg)
	require.NoError(t, err)
	return c
}

func rulesOf(rep policy.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Rule)
	}
	return out
}

func findingOf(t *testing.T, rep policy.Report, rule string) policy.Finding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Rule == rule {
			return f
		}
	}
	t.Fatalf("no %s finding in %v", rule, rulesOf(rep))
	return policy.Finding{}
}

func checkStatus(res *doctor.Result, name string) doctor.Status {
	for _, c := range res.Checks {
		if c.Name == name {
			return c.Status
		}
	}
	return ""
}

func TestTheDeveloperHasEveryDocumentedRight(t *testing.T) {
	testenv.Require(t, env)
	res, err := doctor.Run(context.Background(), clients(t, env.Developer), doctor.Options{Profile: env.Profile, Only: []string{"access"}})
	require.NoError(t, err)
	assert.Empty(t, res.Report.Findings)
	assert.Equal(t, doctor.StatusOK, checkStatus(res, "access"))
}

func TestAUserWithoutRightsIsToldWhichToRequest(t *testing.T) {
	testenv.Require(t, env)
	_, cfg, err := env.AddUser("stranger@example.com", "strangers")
	require.NoError(t, err)
	res, err := doctor.Run(context.Background(), clients(t, cfg), doctor.Options{Profile: env.Profile, Only: []string{"access"}})
	require.NoError(t, err)
	f := findingOf(t, res.Report, "missing-permission")
	assert.Equal(t, "ask the Platform Administrator for the right to get applications.argoproj.io in namespace argocd-system", f.Remediation)
	assert.Equal(t, len(env.Profile.DeveloperRights()), res.Report.Summary.Warnings)
}

func TestAnUnreachableClusterIsOneError(t *testing.T) {
	_, err := doctor.Run(context.Background(), clients(t, &rest.Config{Host: "https://127.0.0.1:1"}), doctor.Options{Profile: argocdmanaged.DefaultProfile()})
	var ce *argocdmanaged.ConnectionError
	assert.ErrorAs(t, err, &ce)
}

func TestApplicationsBrokenByNamespacedModeAreExplained(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	c := clients(t, env.Admin)
	app := argocdmanaged.NewApplication(env.Profile.ArgoCD.Namespace, "doctor-namespaced")
	app.Spec.Project = "default"
	app.Spec.Source = &argocdmanaged.ApplicationSource{RepoURL: "https://github.com/example/shop.git", Path: "deploy"}
	app.Spec.Destination = argocdmanaged.ApplicationDestination{Server: env.Profile.ArgoCD.Server, Namespace: "shop"}
	app.Spec.SyncPolicy = &argocdmanaged.SyncPolicy{SyncOptions: []string{"CreateNamespace=true"}}
	app.Status = &argocdmanaged.ApplicationStatus{
		Sync:   argocdmanaged.SyncStatus{Status: "Unknown"},
		Health: argocdmanaged.HealthStatus{Status: "Degraded", Message: "Deployment has not progressed"},
		Conditions: []argocdmanaged.ApplicationCondition{{Type: "ComparisonError",
			Message: `Failed to load live state: Cluster level Namespace "shop" can not be managed when in namespaced mode`}},
	}
	u, err := argocdmanaged.ToUnstructured(app)
	require.NoError(t, err)
	apps := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(app.Namespace)
	_, err = apps.Create(ctx, u, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = apps.Delete(ctx, app.Name, metav1.DeleteOptions{}) })

	res, err := doctor.Run(ctx, clients(t, env.Developer), doctor.Options{Profile: env.Profile, Only: []string{"applications"}})
	require.NoError(t, err)
	f := findingOf(t, res.Report, "application-namespaced-mode")
	// The library names no command; the plugin says which (TestDoctorHintsNameThePluginCommands).
	assert.Equal(t, string(doctor.RemedyNamespacedMode), f.Remediation)
	assert.Equal(t, "doctor-namespaced", f.Application)
	findingOf(t, res.Report, "no-create-namespace")
	findingOf(t, res.Report, "application-health")
}

func TestHelmSecretsKeyProblemsAndTheLabelFix(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	p := env.Profile
	p.Features.HelmSecrets.Enabled = true
	dev := clients(t, env.Developer)

	res, err := doctor.Run(ctx, dev, doctor.Options{Profile: p, Only: []string{"helm-secrets"}})
	require.NoError(t, err)
	assert.Contains(t, findingOf(t, res.Report, "helm-secrets-key").Message, "does not exist: the repo server cannot start")

	key, err := sops.GenerateKey(sops.KeygenOptions{Type: "age"})
	require.NoError(t, err)
	secrets := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace)
	_, err = secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: p.Features.HelmSecrets.KeySecretName},
		Data:       map[string][]byte{p.Features.HelmSecrets.KeySecretDataKey: key.Private},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = secrets.Delete(ctx, p.Features.HelmSecrets.KeySecretName, metav1.DeleteOptions{}) })

	repo := t.TempDir()
	plain := []byte("password: hunter2\n")
	enc, err := (&sops.Client{Keyring: sops.NewKeyring(), Age: []string{key.Recipient}}).Encrypt(ctx, filepath.Join(repo, "secrets.yaml"), plain)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(repo, "secrets.yaml"), enc, 0o600))

	res, err = doctor.Run(ctx, dev, doctor.Options{Profile: p, RepoDir: repo, Only: []string{"helm-secrets"}})
	require.NoError(t, err)
	findingOf(t, res.Report, "helm-secrets-key-label")
	assert.NotContains(t, rulesOf(res.Report), "helm-secrets-decrypt", "the repository's file decrypts with the live key")
	findingOf(t, res.Report, "helm-secrets-repo-server")
	require.Len(t, res.Fixes, 1)
	require.NoError(t, res.Fixes[0].Apply(ctx))

	s, err := secrets.Get(ctx, p.Features.HelmSecrets.KeySecretName, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, p.Features.HelmSecrets.KeySecretLabel, s.Labels[argocdmanaged.SecretTypeLabel])
	for _, f := range res.Report.Findings {
		assert.NotContains(t, f.Message, "AGE-SECRET-KEY", "no key material in findings")
		assert.NotContains(t, f.Message, "hunter2")
	}
}

func TestValsSecretNewlinesAndIncompleteAppRole(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	p := env.Profile
	p.Features.Vals.Enabled = true
	secrets := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace)
	_, err := secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: p.Features.Vals.SecretName, Labels: map[string]string{argocdmanaged.SecretTypeLabel: p.Features.Vals.SecretLabel}},
		Data: map[string][]byte{
			"VAULT_ADDR":    []byte("https://vault.example.com\n"),
			"VAULT_ROLE_ID": []byte("role-1234"),
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = secrets.Delete(ctx, p.Features.Vals.SecretName, metav1.DeleteOptions{}) })

	res, err := doctor.Run(ctx, clients(t, env.Developer), doctor.Options{Profile: p, Only: []string{"vals"}})
	require.NoError(t, err)
	assert.Contains(t, findingOf(t, res.Report, "vals-secret-newline").Message, "[VAULT_ADDR]")
	findingOf(t, res.Report, "vals-secret-settings")
	for _, f := range res.Report.Findings {
		assert.NotContains(t, f.Message, "role-1234", "no secret value in findings")
	}
	require.Len(t, res.Fixes, 1)
	require.NoError(t, res.Fixes[0].Apply(ctx))
	s, err := secrets.Get(ctx, p.Features.Vals.SecretName, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "https://vault.example.com", string(s.Data["VAULT_ADDR"]))
}

func TestBackupMustBeRecentAndVerify(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	url := "file://" + t.TempDir()
	opts := doctor.Options{Profile: env.Profile, BackupURL: url, Only: []string{"backup"}}
	res, err := doctor.Run(ctx, clients(t, env.Admin), opts)
	require.NoError(t, err)
	assert.Equal(t, "the store holds no backup", findingOf(t, res.Report, "backup-age").Message)

	st, err := store.Open(ctx, url)
	require.NoError(t, err)
	defer st.Close()
	_, err = backup.Export(ctx, clients(t, env.Admin), st, backup.ExportOptions{Profile: env.Profile, IncludePlaintextSecrets: true})
	require.NoError(t, err)

	res, err = doctor.Run(ctx, clients(t, env.Admin), opts)
	require.NoError(t, err)
	assert.Empty(t, res.Report.Findings)

	opts.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	res, err = doctor.Run(ctx, clients(t, env.Admin), opts)
	require.NoError(t, err)
	assert.Contains(t, findingOf(t, res.Report, "backup-age").Message, "more than 26h0m0s")
}

func TestAnUnfinishedArgoCDLoginIsExplained(t *testing.T) {
	testenv.Require(t, env)
	path := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(path, []byte(`contexts:
- name: argocd.example.com
  server: argocd.example.com
  user: argocd.example.com
current-context: argocd.example.com
servers:
- server: argocd.example.com
users:
- name: argocd.example.com
`), 0o600))
	res, err := doctor.Run(context.Background(), clients(t, env.Developer), doctor.Options{Profile: env.Profile, ArgoCDConfig: path, Only: []string{"dex-login"}})
	require.NoError(t, err)
	f := findingOf(t, res.Report, "dex-login")
	assert.True(t, strings.Contains(f.Message, `"invalid_client"`), f.Message)
	assert.Contains(t, f.Remediation, "open a new browser tab")
}
