package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const subscribeConfig = `apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-notifications-cm
data:
  service.email: |
    host: smtp.example.com
    port: 587
    from: argocd@example.com
  service.teams: |
    recipientUrls:
      ops: $teams-ops
  trigger.on-sync-failed: |
    - when: app.status?.operationState?.phase in ['Failed']
      send: [app-sync-failed]
  template.app-sync-failed: |
    message: failed
`

const subscribeApp = `# the shop, deployed from git
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
  labels: {team: shop}   # flow style stays
spec:
  project: default
  destination: {server: "https://kubernetes.default.svc", namespace: shop}
  source: {repoURL: "https://git.example.com/shop.git", path: deploy}
`

func TestNotifySubscribe_refusesWhatLintWouldRejectUnlessForced(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cm.yaml", subscribeConfig)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an undefined service", []string{"--trigger", "on-sync-failed", "--service", "slack", "--recipient", "c"}, `service "slack" is not defined in ConfigMap argocd-notifications-cm`},
		{"an undefined trigger", []string{"--trigger", "on-deployed", "--service", "email", "--recipient", "dev@example.com"}, `trigger "on-deployed" is not defined`},
		{"a Teams recipient not in recipientUrls", []string{"--trigger", "on-sync-failed", "--service", "teams", "--recipient", "dev"}, `recipient "dev" is not in recipientUrls of service service.teams`},
		{"subscribe.<service> without default triggers", []string{"--service", "email", "--recipient", "dev@example.com"}, "has neither defaultTriggers nor defaultTriggers.email"},
		{"an email recipient that is no address", []string{"--trigger", "on-sync-failed", "--service", "email", "--recipient", "dev"}, `recipient "dev" is not an email address`},
		{"no recipient for email", []string{"--trigger", "on-sync-failed", "--service", "email"}, "needs a recipient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := writeFile(t, t.TempDir(), "shop.yaml", subscribeApp)
			args := append([]string{"notify", "subscribe", "shop", "-f", app, "--config", cfg}, tt.args...)
			code, msg, _ := notifyOffline(t, args...)
			assert.Equal(t, ExitError, code)
			assert.Contains(t, msg, tt.want)
			assert.Contains(t, msg, "--force")
			after, err := os.ReadFile(app)
			require.NoError(t, err)
			assert.Equal(t, subscribeApp, string(after), "nothing written")

			code, msg, _ = notifyOffline(t, append(args, "--force")...)
			assert.Equal(t, ExitOK, code, msg)
		})
	}
	app := writeFile(t, t.TempDir(), "shop.yaml", subscribeApp)
	code, msg, _ := notifyOffline(t, "notify", "subscribe", "shop", "-f", app, "--config", cfg, "--trigger", "on-sync-failed", "--service", "teams", "--recipient", "ops")
	assert.Equal(t, ExitOK, code, msg)
}

// Only the annotation lines change: comments, key order and flow style stay, byte for byte.
func TestNotifySubscribe_fileEditChangesOnlyTheAnnotationLines(t *testing.T) {
	cfg := writeFile(t, t.TempDir(), "cm.yaml", subscribeConfig)
	app := writeFile(t, t.TempDir(), "shop.yaml", subscribeApp+"---\n# another document\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n")
	code, msg, _ := notifyOffline(t, "notify", "subscribe", "shop", "-f", app, "--config", cfg, "--trigger", "on-sync-failed", "--service", "teams", "--recipient", "ops")
	require.Equal(t, ExitOK, code, msg)
	got, err := os.ReadFile(app)
	require.NoError(t, err)
	want := strings.Replace(subscribeApp, "  labels: {team: shop}   # flow style stays\n",
		"  labels: {team: shop}   # flow style stays\n  annotations:\n    notifications.argoproj.io/subscribe.on-sync-failed.teams: ops\n", 1) +
		"---\n# another document\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n"
	assert.Equal(t, want, string(got))

	code, msg, _ = notifyOffline(t, "notify", "subscribe", "shop", "-f", app, "--config", cfg, "--trigger", "on-sync-failed", "--service", "email", "--recipient", "dev@example.com")
	require.Equal(t, ExitOK, code, msg)
	code, msg, _ = notifyOffline(t, "notify", "subscribe", "shop", "-f", app, "--config", cfg, "--trigger", "on-sync-failed", "--service", "email", "--recipient", "ops@example.com")
	require.Equal(t, ExitOK, code, msg)
	got, err = os.ReadFile(app)
	require.NoError(t, err)
	want = strings.Replace(want, "    notifications.argoproj.io/subscribe.on-sync-failed.teams: ops\n",
		"    notifications.argoproj.io/subscribe.on-sync-failed.teams: ops\n    notifications.argoproj.io/subscribe.on-sync-failed.email: dev@example.com;ops@example.com\n", 1)
	assert.Equal(t, want, string(got))

	code, msg, _ = notifyOffline(t, "notify", "unsubscribe", "shop", "-f", app, "--trigger", "on-sync-failed", "--service", "teams")
	require.Equal(t, ExitOK, code, msg)
	got, err = os.ReadFile(app)
	require.NoError(t, err)
	want = strings.Replace(want, "    notifications.argoproj.io/subscribe.on-sync-failed.teams: ops\n", "", 1)
	assert.Equal(t, want, string(got))
}
