package notify_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/notify"
)

// notify test says "would be sent" only for what the engine would deliver; every other
// delivery says why not.
func TestEvaluateSaysWhyADeliveryWouldNotBeMade(t *testing.T) {
	teams, err := notify.KeyedService("teams", notify.KeyedSecretsOptions{Secrets: map[string][]byte{"ops": []byte("https://example.webhook.office.com/webhookb2/x")}})
	require.NoError(t, err)
	slack, err := notify.SlackService(notify.SlackOptions{Token: []byte("xoxb-1")})
	require.NoError(t, err)
	email, err := notify.EmailService(notify.EmailOptions{Host: "smtp.example.com", Port: 587, From: "argocd@example.com"})
	require.NoError(t, err)
	newrelic, err := notify.FieldService("newrelic", "", nil, map[string][]byte{"api-key-file": []byte("NRAK-1")})
	require.NoError(t, err)
	const sub = "notifications.argoproj.io/subscribe.on-sync-failed."
	tests := []struct {
		name       string
		annotation string
		recipient  string
		template   string // appended to template app-sync-failed
		want       string // "" means deliverable
	}{
		{"a valid Slack channel", "slack", "shop-alerts", "", ""},
		{"a valid email address", "email", "dev@example.com", "", ""},
		{"an undefined service", "pagerduty", "P1", "", `service "pagerduty" is not defined in the ConfigMap`},
		{"a Teams recipient not in recipientUrls", "teams", "shop", "", `recipient "shop" is not in recipientUrls of service service.teams`},
		{"a malformed email address", "email", "dev at example.com", "", `recipient "dev at example.com" is not an email address`},
		{"Slack attachments that are not JSON", "slack", "shop-alerts", "", ""},
		{"New Relic without its section", "newrelic", "12345", "", "the template has no newrelic section"},
		{"the phantom destination with an empty service name", "", "ops", "", "the engine makes a destination with an empty service name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := catalogWith(t, teams, slack, email, newrelic)
			if tt.name == "Slack attachments that are not JSON" {
				cfg.Data["template.app-sync-failed"] = "message: failed\nslack:\n  attachments: '[{\"title\": {{.app.metadata.name}}}]'\n"
				tt.want = "slack.attachments is not JSON"
			}
			app := failedApp(t, map[string]string{sub + tt.annotation: tt.recipient})
			ev, err := notify.Evaluate(context.Background(), cfg, app, notify.EvaluateOptions{})
			require.NoError(t, err)
			require.Len(t, ev.Triggers, 1)
			require.Len(t, ev.Triggers[0].Deliveries, 1)
			d := ev.Triggers[0].Deliveries[0]
			require.Empty(t, d.RenderError)
			if tt.want == "" {
				assert.Empty(t, d.Undeliverable)
				assert.False(t, ev.Undeliverable())
				return
			}
			assert.Contains(t, d.Undeliverable, tt.want)
			assert.True(t, ev.Undeliverable())
		})
	}
}

func TestEvaluateNotesTheHelpersThatNeedTheRepoServer(t *testing.T) {
	slack, err := notify.SlackService(notify.SlackOptions{Token: []byte("xoxb-1")})
	require.NoError(t, err)
	cfg := catalogWith(t, slack)
	cfg.Data["template.app-sync-failed"] = "message: 'by {{(call .repo.GetCommitMetadata .app.status.sync.revision).Author}}'\n"
	app := failedApp(t, map[string]string{"notifications.argoproj.io/subscribe.on-sync-failed.slack": "c"})
	ev, err := notify.Evaluate(context.Background(), cfg, app, notify.EvaluateOptions{})
	require.NoError(t, err)
	d := ev.Triggers[0].Deliveries[0]
	require.Empty(t, d.RenderError)
	assert.Equal(t, "by "+notify.RepoServerPlaceholder, d.Notification.Message)
	require.Len(t, d.Notes, 1)
	assert.Contains(t, d.Notes[0], "need Argo CD's repo server")
}
