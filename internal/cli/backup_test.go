package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// runBackupCmd runs `kubectl ck8sargo ARGS` with the admin kubeconfig (when the control
// plane runs) and returns exit code, error line and output.
func runBackupCmd(t *testing.T, stdin string, args ...string) cmdResult {
	t.Helper()
	if env != nil {
		args = append([]string{"--kubeconfig", env.AdminKubeconfig}, args...)
	}
	return execute(context.Background(), stdin, args...)
}

// backupTeam lays out a small team in its own Argo CD namespace and writes a profile file
// for it.
func backupTeam(t *testing.T) (profile, ns string, dyn dynamic.Interface) {
	t.Helper()
	ctx := context.Background()
	ns = env.Namespace(t, "argocd")
	p := env.Profile.Clone()
	p.ArgoCD.Namespace = ns
	profile = profileFile(t, p)

	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	kube := env.AdminClient
	_, err = kube.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "repo-shop", Labels: map[string]string{argocdmanaged.SecretTypeLabel: "repository"}},
		StringData: map[string]string{"url": "https://git.example.com/shop.git", "password": "hunter2-very-secret"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: p.Notifications.ConfigMap},
		Data:       map[string]string{"trigger.on-deployed": "- send: [x]\n"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	apps := dyn.Resource(argocdmanaged.ApplicationsResource).Namespace(ns)
	for i := range 3 {
		app := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": argocdmanaged.APIVersion, "kind": "Application",
			"metadata": map[string]any{"name": fmt.Sprintf("shop-%d", i), "finalizers": []any{"resources-finalizer.argocd.argoproj.io"}},
			"spec": map[string]any{
				"project": "default", "source": map[string]any{"repoURL": "https://git.example.com/shop.git", "path": ".", "targetRevision": "main"},
				"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
			},
			"operation": map[string]any{"sync": map[string]any{"revision": "abc"}},
		}}
		_, err := apps.Create(ctx, app, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	return profile, ns, dyn
}

func writeIdentity(t *testing.T) (file, recipient string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	file = filepath.Join(t.TempDir(), "key.txt")
	require.NoError(t, os.WriteFile(file, []byte("# created: test\n"+id.String()+"\n"), 0o600))
	return file, id.Recipient().String()
}

func TestBackupCommandsExportListShowVerifyDiffRestore(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	profile, ns, dyn := backupTeam(t)
	store := "file://" + t.TempDir()
	key, recipient := writeIdentity(t)
	apps := dyn.Resource(argocdmanaged.ApplicationsResource).Namespace(ns)

	// export
	r := runBackupCmd(t, "", "backup", "export", "--profile", profile, "--to", store, "--encrypt-to", recipient, "-o", "json")
	require.Equal(t, 0, r.code, r.msg)
	var exp struct {
		Name    string `json:"name"`
		Objects int    `json:"objects"`
		URL     string `json:"url"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &exp))
	assert.Equal(t, 5, exp.Objects, "3 Applications, the repository Secret, the notifications ConfigMap")
	assert.Equal(t, store, exp.URL)
	assert.Regexp(t, `^argocd-backup-\d{8}T\d{6}Z$`, exp.Name)
	assert.Empty(t, r.stderr, "no progress when not on a terminal")

	// without recipients and without consent: refused, exit 2
	r = runBackupCmd(t, "", "backup", "export", "--profile", profile, "--to", store)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.msg, "--include-plaintext-secrets")

	// list, show
	r = runBackupCmd(t, "", "backup", "list", "--profile", profile, "--from", store, "-o", "json")
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, exp.Name)
	r = runBackupCmd(t, "", "backup", "show", exp.Name, "--profile", profile, "--from", store)
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "encrypted with age to "+recipient)
	assert.Contains(t, r.stdout, "Application:")

	// verify: with the identity from SOPS_AGE_KEY_FILE, and without one
	t.Setenv("SOPS_AGE_KEY_FILE", key)
	r = runBackupCmd(t, "", "backup", "verify", exp.Name, "--profile", profile, "--from", store)
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "decrypted with the given identity")
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	r = runBackupCmd(t, "", "backup", "verify", exp.Name, "--profile", profile, "--from", store)
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "NOT decrypted")

	// diff against the live cluster after a change: exit 1, the field named, no secret value
	_, err := apps.Patch(ctx, "shop-1", types.MergePatchType, []byte(`{"spec":{"source":{"targetRevision":"v2"}}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	_, err = env.AdminClient.CoreV1().Secrets(ns).Patch(ctx, "repo-shop", types.MergePatchType, []byte(`{"stringData":{"password":"changed-secret-value"}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	r = runBackupCmd(t, "", "backup", "diff", exp.Name, "--live", "--identity", key, "--profile", profile, "--from", store)
	assert.Equal(t, 1, r.code, r.msg)
	assert.Contains(t, r.stdout, `spec.source.targetRevision: "main" -> "v2"`)
	assert.Contains(t, r.stdout, "data.password: (hidden) -> (hidden)")
	assert.NotContains(t, r.stdout, "hunter2")
	assert.NotContains(t, r.stdout, "Y2hhbmdlZC1zZWNyZXQtdmFsdWU")

	// restore without the identity: refused before anything is applied
	for _, n := range []string{"shop-0", "shop-1", "shop-2"} {
		_, err := apps.Patch(ctx, n, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		require.NoError(t, err)
		require.NoError(t, apps.Delete(ctx, n, metav1.DeleteOptions{}))
	}
	r = runBackupCmd(t, "", "backup", "restore", exp.Name, "--profile", profile, "--from", store)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.msg, "--identity")
	list, err := apps.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list.Items)

	// restore
	r = runBackupCmd(t, "", "backup", "restore", exp.Name, "--identity", key, "--profile", profile, "--from", store, "-o", "json")
	require.Equal(t, 0, r.code, r.msg)
	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	for _, k := range []string{"created", "updated", "skipped", "deleted", "seconds"} {
		assert.Contains(t, res, k)
	}
	assert.EqualValues(t, 3, res["created"])
	assert.EqualValues(t, 2, res["skipped"])
	app, err := apps.Get(ctx, "shop-1", metav1.GetOptions{})
	require.NoError(t, err)
	assert.NotContains(t, app.Object, "operation")
	assert.Equal(t, []string{"resources-finalizer.argocd.argoproj.io"}, app.GetFinalizers())

	// prune without a terminal and without --yes: refused before anything changes
	extra := app.DeepCopy()
	extra.SetName("not-in-backup")
	extra.SetResourceVersion("")
	extra.SetUID("")
	_, err = apps.Create(ctx, extra, metav1.CreateOptions{})
	require.NoError(t, err)
	r = runBackupCmd(t, "", "backup", "restore", exp.Name, "--identity", key, "--profile", profile, "--from", store, "--prune")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.msg, "--yes")
	assert.Contains(t, r.stderr, "Application/not-in-backup")
	r = runBackupCmd(t, "", "backup", "restore", exp.Name, "--identity", key, "--profile", profile, "--from", store, "--prune", "--yes")
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "deleted Application/not-in-backup")
	assert.Contains(t, r.stdout, "1 deleted")

	// retention
	r = runBackupCmd(t, "", "backup", "prune", "--profile", profile, "--from", store, "--keep", "1ns", "--dry-run")
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "would delete "+exp.Name)
	r = runBackupCmd(t, "", "backup", "prune", "--profile", profile, "--from", store, "--keep", "1ns", "--keep-last", "1")
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "deleted 0 backups, kept 1")
}

func TestBackupScheduleOutputPassesThePolicyCheck(t *testing.T) {
	_, recipient := writeIdentity(t)
	args := []string{"backup", "schedule", "-n", "shop", "--image", "harbor.example.com/tools/kubectl-ck8sargo:v0.1.0",
		"--to", "s3://backups?endpoint=https://s3.example.com&use_path_style=true", "--encrypt-to", recipient,
		"--window", "01:00-05:00", "--timezone", "Europe/Stockholm"}
	r := runBackupCmd(t, "", args...)
	require.Equal(t, 0, r.code, r.msg)

	var cron *batchv1.CronJob
	kinds := []string{}
	for _, doc := range strings.Split(r.stdout, "\n---\n") {
		var probe struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &probe); err != nil || probe.Kind == "" {
			continue
		}
		kinds = append(kinds, probe.Kind)
		if probe.Kind == "CronJob" && cron == nil {
			cron = &batchv1.CronJob{}
			require.NoError(t, yaml.Unmarshal([]byte(doc), cron))
		}
	}
	assert.Equal(t, []string{"ServiceAccount", "ConfigMap", "NetworkPolicy", "CronJob", "CronJob"}, kinds)
	require.NotNil(t, cron)
	assert.Equal(t, "shop", cron.Namespace)
	assert.Equal(t, "Europe/Stockholm", *cron.Spec.TimeZone)
	assert.Equal(t, batchv1.ForbidConcurrent, cron.Spec.ConcurrencyPolicy)
	var minute, hour int
	_, err := fmt.Sscanf(cron.Spec.Schedule, "%d %d * * *", &minute, &hour)
	require.NoError(t, err)
	assert.True(t, hour >= 1 && hour < 5, cron.Spec.Schedule)

	file := filepath.Join(t.TempDir(), "schedule.yaml")
	require.NoError(t, os.WriteFile(file, []byte(r.stdout), 0o600))
	p := runBackupCmd(t, "", "policy", "check", file)
	assert.Equal(t, 0, p.code, "policy check:\n%s%s", p.stdout, p.msg)

	admin := runBackupCmd(t, "", append(args, "--for", "platform-admin")...)
	require.Equal(t, 0, admin.code, admin.msg)
	assert.Contains(t, admin.stdout, "kind: Role\n")
	assert.Contains(t, admin.stdout, "kind: RoleBinding\n")
	assert.Contains(t, admin.stdout, "namespace: argocd-system")
}

func TestBackupCommandsRejectBadInputWithExit2(t *testing.T) {
	store := "file://" + t.TempDir()
	tests := [][]string{
		{"backup", "show", "../etc/passwd", "--from", store},
		{"backup", "show", "--from", store},
		{"backup", "show", "argocd-backup-none", "--from", store},
		{"backup", "verify", "argocd-backup-none", "--from", store},
		{"backup", "export", "--encrypt-to", "not-a-key", "--to", store},
		{"backup", "restore", "argocd-backup-x", "--dry-run=maybe", "--from", store},
		{"backup", "restore", "argocd-backup-x", "--prune", "--only", "app/a", "--from", store},
		{"backup", "restore", "argocd-backup-x", "--identity", "/nonexistent/key.txt", "--from", store},
		{"backup", "restore", "argocd-backup-x", "--finish", "--prune", "--from", store},
		{"backup", "restore", "argocd-backup-x", "--guard-timeout", "0s", "--from", store},
		{"backup", "verify", "argocd-backup-none", "--require-signature", "--from", store},
		{"backup", "list", "--from", "no-scheme"},
		{"backup", "list", "--from", store, "-o", "xml"},
		{"backup", "diff", "a", "b", "--live", "--from", store},
		{"backup", "prune", "--keep", "-1h", "--from", store},
		{"backup", "schedule", "-n", "shop", "--image", "x/y:latest", "--to", "s3://b"},
		{"backup", "schedule", "-n", "shop", "--image", "x/y:v1", "--to", "file:///tmp/x"},
		{"backup", "schedule", "-n", "shop", "--image", "x/y:v1", "--to", "s3://b", "--window", "25:00-26:00"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args[1:3], " "), func(t *testing.T) {
			r := runBackupCmd(t, "", args...)
			assert.Equal(t, 2, r.code, "%v: %s", args, r.msg)
			assert.NotEmpty(t, r.msg)
			assert.NotContains(t, r.msg, "\n")
		})
	}
}

func TestBackupCommandsHaveExamples(t *testing.T) {
	root := NewRootCmd(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	cmd, _, err := root.Find([]string{"backup"})
	require.NoError(t, err)
	require.NotEmpty(t, cmd.Example)
	names := []string{}
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
		assert.NotEmptyf(t, c.Example, "%s has no example", c.Name())
	}
	assert.ElementsMatch(t, []string{"export", "list", "show", "verify", "diff", "restore", "prune", "schedule"}, names)
}

func TestBackupSignatureIsMadeByExportAndRequiredByVerifyAndRestore(t *testing.T) {
	testenv.Require(t, env)
	profile, _, _ := backupTeam(t)
	dir := t.TempDir()
	store := "file://" + dir
	key, recipient := writeIdentity(t)
	// Another recipient, who can decrypt but did not sign.
	other, otherRecipient := writeIdentity(t)
	stranger, _ := writeIdentity(t)
	secretKey, err := os.ReadFile(key)
	require.NoError(t, err)
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	export := func(args ...string) string {
		t.Helper()
		r := runBackupCmd(t, "", append([]string{"backup", "export", "--profile", profile, "--to", store, "--encrypt-to", recipient, "--encrypt-to", otherRecipient}, args...)...)
		require.Equal(t, 0, r.code, r.msg)
		assert.NotContains(t, r.stdout+r.stderr, strings.TrimSpace(strings.Split(string(secretKey), "\n")[1]), "the key is never printed")
		time.Sleep(1100 * time.Millisecond) // backup names have a resolution of one second
		return r.stdout
	}
	nameOf := func(out string) string { return strings.Fields(out)[4] }

	out := export("--identity", key)
	assert.Contains(t, out, "signed with the key of "+recipient)
	signed := nameOf(out)
	out = export()
	assert.Contains(t, out, "not signed")
	unsigned := nameOf(out)
	before, err := os.ReadDir(dir)
	require.NoError(t, err)
	r := runBackupCmd(t, "", "backup", "export", "--profile", profile, "--to", store, "--encrypt-to", recipient, "--identity", stranger)
	require.Equal(t, 2, r.code, "an --identity that cannot sign is refused: %s", r.msg)
	assert.Equal(t, "cannot sign the backup: no key in "+stranger+" is one of its recipients; add the key's public key with --encrypt-to, or leave out --identity for an unsigned backup", r.msg)
	after, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, after, len(before), "nothing is written")
	t.Setenv("SOPS_AGE_KEY_FILE", stranger)
	r = runBackupCmd(t, "", "backup", "export", "--profile", profile, "--to", store, "--encrypt-to", recipient)
	require.Equal(t, 0, r.code, "a SOPS_AGE_KEY_FILE that cannot sign gives an unsigned backup: %s", r.msg)
	assert.Contains(t, r.stderr, "warning: the backup is not signed: no identity in SOPS_AGE_KEY_FILE is one of the recipients")
	assert.Contains(t, r.stdout, "not signed")
	t.Setenv("SOPS_AGE_KEY_FILE", "")

	verify := func(name string, args ...string) cmdResult {
		return runBackupCmd(t, "", append([]string{"backup", "verify", name, "--profile", profile, "--from", store}, args...)...)
	}
	r = verify(signed, "--identity", key, "--require-signature")
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "Signature: checked, made with the key of "+recipient)
	r = verify(signed)
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "NOT checked")
	r = runBackupCmd(t, "", "backup", "show", signed, "--profile", profile, "--from", store)
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "with the key of "+recipient)

	for _, tt := range []struct {
		name, backup string
		args         []string
		want         string
	}{
		{"unsigned", unsigned, []string{"--identity", key, "--require-signature"}, "backup is not signed"},
		{"a wrong key", signed, []string{"--identity", other, "--require-signature"}, "backup signature does not verify"},
		{"no key", signed, []string{"--require-signature"}, "backup signature does not verify"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmds := []string{"verify", "restore"}
			if tt.name == "no key" {
				cmds = cmds[:1] // a restore without the key already stops at the encrypted Secrets
			}
			for _, cmd := range cmds {
				r := runBackupCmd(t, "", append([]string{"backup", cmd, tt.backup, "--profile", profile, "--from", store}, tt.args...)...)
				assert.Equal(t, 2, r.code, cmd)
				assert.Contains(t, r.msg, tt.want, cmd)
				assert.Contains(t, r.msg, "--identity", cmd)
				assert.NotContains(t, r.msg, "\n", cmd)
			}
		})
	}

	// The signed backup's archive copied under the unsigned one's name.
	data, err := os.ReadFile(filepath.Join(dir, signed+".tar.gz"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, unsigned+".tar.gz"), data, 0o600))
	r = verify(unsigned, "--identity", key)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.msg, "belongs to another backup")
}
