package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argoproj/notifications-engine/pkg/api"
	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// notifyPlugin runs the plugin's command tree in-process as the restricted developer.
func notifyPlugin(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return notifyPluginAs(t, env.DeveloperKubeconfig, args...)
}

func notifyProfileFile(t *testing.T) string {
	t.Helper()
	return profileFile(t, env.Profile)
}

func notifyValueFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "value")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// resetNotifications empties the two objects, shared by the tests of this package.
func resetNotifications(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	p := env.Profile
	cms := env.AdminClient.CoreV1().ConfigMaps(p.ArgoCD.Namespace)
	cm, err := cms.Get(ctx, p.Notifications.ConfigMap, metav1.GetOptions{})
	require.NoError(t, err)
	cm.Data = nil
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	require.NoError(t, err)
	secrets := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace)
	s, err := secrets.Get(ctx, p.Notifications.Secret, metav1.GetOptions{})
	require.NoError(t, err)
	s.Data = nil
	_, err = secrets.Update(ctx, s, metav1.UpdateOptions{})
	require.NoError(t, err)
}

func notifyObjects(t *testing.T) (*corev1.ConfigMap, *corev1.Secret) {
	t.Helper()
	ctx := context.Background()
	p := env.Profile
	cm, err := env.AdminClient.CoreV1().ConfigMaps(p.ArgoCD.Namespace).Get(ctx, p.Notifications.ConfigMap, metav1.GetOptions{})
	require.NoError(t, err)
	s, err := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace).Get(ctx, p.Notifications.Secret, metav1.GetOptions{})
	require.NoError(t, err)
	return cm, s
}

func createNotifyArgoObject(t *testing.T, kind, name string, annotations map[string]any) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	gvr := argocdmanaged.ApplicationsResource
	spec := map[string]any{"project": "default", "destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
		"source": map[string]any{"repoURL": "https://git.example.com/shop.git", "path": "deploy"}}
	if kind == argocdmanaged.KindAppProject {
		gvr = argocdmanaged.AppProjectsResource
		spec = map[string]any{"sourceRepos": []any{"*"}, "destinations": []any{map[string]any{"server": "*", "namespace": "shop"}}}
	}
	meta := map[string]any{"name": name, "namespace": env.Profile.ArgoCD.Namespace}
	if annotations != nil {
		meta["annotations"] = annotations
	}
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": argocdmanaged.APIVersion, "kind": kind, "metadata": meta, "spec": spec}}
	r := dyn.Resource(gvr).Namespace(env.Profile.ArgoCD.Namespace)
	_ = r.Delete(context.Background(), name, metav1.DeleteOptions{})
	_, err = r.Create(context.Background(), u, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Delete(context.Background(), name, metav1.DeleteOptions{}) })
}

func notifyAnnotations(t *testing.T, kind, name string) map[string]string {
	t.Helper()
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	gvr := argocdmanaged.ApplicationsResource
	if kind == argocdmanaged.KindAppProject {
		gvr = argocdmanaged.AppProjectsResource
	}
	u, err := dyn.Resource(gvr).Namespace(env.Profile.ArgoCD.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	require.NoError(t, err)
	return u.GetAnnotations()
}

func TestSetupCommandsAsTheDeveloperWriteAConfigurationTheEngineAccepts(t *testing.T) {
	testenv.Require(t, env)
	resetNotifications(t)
	createNotifyArgoObject(t, argocdmanaged.KindApplication, "my-argo-application", map[string]any{"team": "shop"})
	createNotifyArgoObject(t, argocdmanaged.KindAppProject, "shop", nil)

	steps := [][]string{
		{"notify", "catalog", "--install", "--only", "on-sync-succeeded,on-sync-failed"},
		{"notify", "service", "add", "email", "--host", "smtp.gmail.com", "--port", "465", "--username", "sender@example.com", "--password-file", notifyValueFile(t, "secretPassword\n")},
		{"notify", "service", "add", "slack", "--token-file", notifyValueFile(t, "xoxb-123")},
		{"notify", "service", "add", "webhook", "--name", "deploy-log", "--url", "https://hooks.example.com/argocd", "--secret-header", "Authorization=" + notifyValueFile(t, "Bearer abc")},
		{"notify", "service", "add", "teams", "--webhook-file", "ops=" + notifyValueFile(t, "https://example.webhook.office.com/webhookb2/x")},
		{"notify", "subscribe", "my-argo-application", "--trigger", "on-sync-succeeded", "--service", "email", "--recipient", "dev@example.com", "--recipient", "ops@example.com"},
		{"notify", "subscribe", "my-argo-application", "--trigger", "on-sync-failed", "--service", "slack", "--recipient", "shop-alerts"},
		{"notify", "subscribe", "shop", "--project", "--trigger", "on-sync-failed", "--service", "teams", "--recipient", "ops"},
	}
	for _, args := range steps {
		code, out, errOut := notifyPlugin(t, args...)
		require.Equal(t, 0, code, "%v\nstdout: %s\nstderr: %s", args, out, errOut)
		assert.NotContains(t, out+errOut, "secretPassword")
		assert.NotContains(t, out+errOut, "xoxb-123")
	}

	cm, secret := notifyObjects(t)
	cfg, err := api.ParseConfig(cm, secret)
	require.NoError(t, err, "the engine parses what was written")
	_, err = api.NewAPI(*cfg, func(obj map[string]any, dest services.Destination) map[string]any { return map[string]any{"app": obj} })
	require.NoError(t, err, "the engine accepts what was written")
	assert.Contains(t, cfg.Services, "email")
	assert.Contains(t, cfg.Services, "deploy-log")
	assert.Contains(t, cfg.Triggers, "on-sync-failed")

	assert.Equal(t, []byte("secretPassword"), secret.Data["email-password"], "exact bytes, no trailing newline")
	assert.Equal(t, []byte("sender@example.com"), secret.Data["email-username"])
	assert.Contains(t, cm.Data["service.email"], "password: $email-password")
	managers := map[string]metav1.ManagedFieldsOperationType{}
	for _, mf := range append(cm.ManagedFields, secret.ManagedFields...) {
		managers[mf.Manager] = mf.Operation
	}
	assert.Equal(t, metav1.ManagedFieldsOperationApply, managers["kubectl-ck8sargo"], "written by server-side apply")

	ann := notifyAnnotations(t, argocdmanaged.KindApplication, "my-argo-application")
	assert.Equal(t, "dev@example.com;ops@example.com", ann["notifications.argoproj.io/subscribe.on-sync-succeeded.email"])
	assert.Equal(t, "shop", ann["team"], "other annotations are kept")
	assert.Equal(t, "ops", notifyAnnotations(t, argocdmanaged.KindAppProject, "shop")["notifications.argoproj.io/subscribe.on-sync-failed.teams"])

	code, out, errOut := notifyPlugin(t, "notify", "lint")
	assert.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Contains(t, out, "0 error(s)")

	code, out, errOut = notifyPlugin(t, "notify", "test", "my-argo-application")
	assert.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Contains(t, out, "trigger on-sync-succeeded")
	assert.Contains(t, out, "condition 0: false")

	code, out, errOut = notifyPlugin(t, "notify", "unsubscribe", "my-argo-application", "--trigger", "on-sync-succeeded", "--service", "email", "--recipient", "ops@example.com")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Equal(t, "dev@example.com", notifyAnnotations(t, argocdmanaged.KindApplication, "my-argo-application")["notifications.argoproj.io/subscribe.on-sync-succeeded.email"])
	code, out, errOut = notifyPlugin(t, "notify", "unsubscribe", "my-argo-application", "--trigger", "on-sync-failed", "--service", "slack")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.NotContains(t, notifyAnnotations(t, argocdmanaged.KindApplication, "my-argo-application"), "notifications.argoproj.io/subscribe.on-sync-failed.slack")

	code, out, errOut = notifyPlugin(t, "notify", "service", "remove", "slack")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	cm, secret = notifyObjects(t)
	assert.NotContains(t, cm.Data, "service.slack")
	assert.NotContains(t, secret.Data, "slack-token")
	assert.Contains(t, secret.Data, "email-password")
}

func TestDryRunsChangeNothingAndPrintNoSecret(t *testing.T) {
	testenv.Require(t, env)
	resetNotifications(t)
	for _, mode := range []string{"client", "server"} {
		code, out, errOut := notifyPlugin(t, "notify", "service", "add", "telegram", "--token-file", notifyValueFile(t, "123:s3cr3t-bot"), "--dry-run="+mode, "-o", "yaml")
		require.Equal(t, 0, code, "%s%s", out, errOut)
		assert.Contains(t, out, "service.telegram")
		assert.Contains(t, out, "<redacted: 14 bytes>")
		assert.NotContains(t, out+errOut, "s3cr3t")
		cm, secret := notifyObjects(t)
		assert.Empty(t, cm.Data, mode)
		assert.Empty(t, secret.Data, mode)
	}
}

func TestBadInputAndMissingRightsExitTwoWithOneLine(t *testing.T) {
	testenv.Require(t, env)
	resetNotifications(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"empty password file", []string{"notify", "service", "add", "email", "--host", "h", "--port", "587", "--username", "u", "--password-file", notifyValueFile(t, "")}, "is empty"},
		{"password with a line break", []string{"notify", "service", "add", "email", "--host", "h", "--port", "587", "--username", "u", "--password-file", notifyValueFile(t, "a\nb\n")}, "line break"},
		{"465 without login", []string{"notify", "service", "add", "email", "--host", "h", "--port", "465", "--from", "a@example.com"}, "port 465"},
		{"dotted trigger", []string{"notify", "subscribe", "app", "--trigger", "on.sync", "--service", "email", "--recipient", "a@example.com"}, "no dots"},
		{"unknown catalog trigger", []string{"notify", "catalog", "--only", "on-fire"}, "not a catalog trigger"},
		{"missing Application", []string{"notify", "test", "no-such-app"}, "not found"},
		{"bad dry-run", []string{"notify", "catalog", "--install", "--dry-run=maybe"}, "--dry-run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := notifyPlugin(t, tt.args...)
			assert.Equal(t, 2, code, "%s%s", out, errOut)
			assert.Contains(t, errOut, tt.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "error:"), errOut)
		})
	}

	// A ConfigMap the developer may not read: the error names the right to ask for.
	p := env.Profile.Clone()
	p.Notifications.ConfigMap = "another-teams-cm"
	path := profileFile(t, p)
	r := runPlugin(t, env.DeveloperKubeconfig, "", "notify", "service", "list", "--profile", path)
	assert.Equal(t, 2, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.msg, "ask the Platform Administrator for the right to get configmaps")
}

func TestNotifyTestSendsThroughAWebhookAndSubscribeEditsAFile(t *testing.T) {
	testenv.Require(t, env)
	resetNotifications(t)
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(body))
	}))
	defer srv.Close()

	steps := [][]string{
		{"notify", "catalog", "--install", "--only", "on-created"},
		{"notify", "service", "add", "webhook", "--name", "hook", "--url", srv.URL + "/in", "--secret-header", "Authorization=" + notifyValueFile(t, "Bearer hook-token\n")},
	}
	for _, args := range steps {
		code, out, errOut := notifyPlugin(t, args...)
		require.Equal(t, 0, code, "%v: %s%s", args, out, errOut)
	}
	dir := t.TempDir()
	app := filepath.Join(dir, "app.yaml")
	require.NoError(t, os.WriteFile(app, []byte(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  source: {repoURL: https://git.example.com/shop.git, path: deploy}
`), 0o644))
	code, out, errOut := notifyPlugin(t, "notify", "subscribe", "shop", "-f", app, "--trigger", "on-created", "--service", "hook")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	data, err := os.ReadFile(app)
	require.NoError(t, err)
	assert.Contains(t, string(data), `notifications.argoproj.io/subscribe.on-created.hook: ""`)

	code, out, errOut = notifyPlugin(t, "notify", "test", "-f", app, "--send")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Contains(t, out, "condition 0: TRUE")
	assert.Contains(t, out, "sent")
	require.Len(t, got, 1)
	assert.Equal(t, "GET /in Bearer hook-token Application shop has been created.", got[0], "the catalog message, with the header from the Secret")
	assert.NotContains(t, out+errOut, "hook-token")

	// A template that fails to render makes the test fail with exit code 1.
	cm, _ := notifyObjects(t)
	cm.Data["template.app-created"] = "message: '{{.app.metadata.name | upper | printf \"%d\" | int | div 0}}'\n"
	_, err = env.AdminClient.CoreV1().ConfigMaps(cm.Namespace).Update(context.Background(), cm, metav1.UpdateOptions{})
	require.NoError(t, err)
	code, out, errOut = notifyPlugin(t, "notify", "test", "-f", app)
	assert.Equal(t, 1, code, "%s%s", out, errOut)
	assert.Contains(t, out, "render error")
}
