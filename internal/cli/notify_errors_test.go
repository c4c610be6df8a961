package cli

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

// The notify library names option fields, never flags; each `service add TYPE` names its
// flags in the usage error, which still holds the library's OptionError.
func TestNotifyServiceErrorsNameTheFlagsOfTheirCommand(t *testing.T) {
	grafana, _ := notify.Schema("grafana")
	awssqs, _ := notify.Schema("awssqs")
	nats, _ := notify.Schema("nats")
	tests := []struct {
		name string
		b    serviceBuilder
		want string
	}{
		{"email without host", &emailService{o: notify.EmailOptions{Port: 587, From: "a@example.com"}}, "--host is required"},
		{"email port", &emailService{o: notify.EmailOptions{Host: "h", Port: 70000, From: "a@example.com"}}, "--port 70000 is not a TCP port"},
		{"email login halves", &emailService{o: notify.EmailOptions{Host: "h", Port: 587, Username: "u"}}, "--username and --password-file go together"},
		{"email 465", &emailService{o: notify.EmailOptions{Host: "h", Port: 465, From: "a@example.com"}}, "give --username and --password-file, or use port 587"},
		{"email from", &emailService{o: notify.EmailOptions{Host: "h", Port: 587}}, "--from is required when there is no --username"},
		{"email bad from", &emailService{o: notify.EmailOptions{Host: "h", Port: 587, From: "nobody"}}, `--from "nobody" is not an email address`},
		{"email password", &emailService{o: notify.EmailOptions{Host: "h", Port: 587, Username: "u", Password: []byte("a\nb")}}, "--password-file holds a line break"},
		{"slack token", &slackService{}, "--token-file is required: the bot token"},
		{"slack api url", &slackService{o: notify.SlackOptions{Token: []byte("t"), APIURL: "ftp://x"}}, `--api-url "ftp://x/..." is not an http(s) URL`},
		{"webhook url", &webhookService{}, "--url is required"},
		{"webhook bad url", &webhookService{o: notify.WebhookOptions{URL: "x"}}, `--url "<not a URL>" is not an http(s) URL`},
		{"webhook password", &webhookService{o: notify.WebhookOptions{URL: "https://h", BasicAuthUser: "u", BasicAuthPass: []byte{0xff}}}, "--basic-auth-password-file is not UTF-8 text"},
		{"teams recipient", &keyedService{typ: "teams", missing: "--webhook-file RECIPIENT=FILE (the channel's incoming webhook URL)"}, "give at least one recipient: --webhook-file RECIPIENT=FILE (the channel's incoming webhook URL)"},
		{"opsgenie api url", &keyedService{typ: "opsgenie", o: notify.KeyedSecretsOptions{Secrets: map[string][]byte{"ops": []byte("k")}}}, "--api-url is required for opsgenie"},
		{"telegram token", &tokenService{typ: "telegram"}, "--token-file is required"},
		{"mattermost url", &tokenService{typ: "mattermost", o: notify.TokenOptions{Token: []byte("t")}}, "--api-url is required for mattermost"},
		{"mattermost bad url", &tokenService{typ: "mattermost", o: notify.TokenOptions{Token: []byte("t"), APIURL: "x"}}, `--api-url "<not a URL>" is not an http(s) URL`},
		{"alertmanager target", &alertmanagerService{}, "--target HOST:PORT is required"},
		{"alertmanager scheme", &alertmanagerService{o: notify.AlertmanagerOptions{Targets: []string{"a:1"}, Scheme: "ftp"}}, `--scheme "ftp": use http or https`},
		{"alertmanager token", &alertmanagerService{o: notify.AlertmanagerOptions{Targets: []string{"a:1"}, BearerToken: []byte("a\n")}}, "--bearer-token-file holds a line break"},
		{"github ids", &githubService{}, "--app-id is required; --installation-id is required; --private-key-file is required"},
		{"github key", &githubService{o: notify.GitHubOptions{AppID: "1", InstallationID: "2", PrivateKey: []byte("k")}}, "--private-key-file does not hold a PEM private key"},
		{"github url", &githubService{o: notify.GitHubOptions{AppID: "1", InstallationID: "2", PrivateKey: []byte("PRIVATE KEY"), EnterpriseBaseURL: "x"}}, `--enterprise-base-url "<not a URL>"`},
		{"field required", &fieldService{schema: grafana, plain: map[string]string{"api-url": "https://g"}}, "--api-key-file is required: file holding a Grafana service account token"},
		{"field url", &fieldService{schema: grafana, plain: map[string]string{"api-url": "g"}, secrets: map[string][]byte{"api-key-file": []byte("k")}}, `--api-url "<not a URL>" is not an http(s) URL`},
		{"field pair", &fieldService{schema: awssqs, plain: map[string]string{"queue": "q", "region": "r"}, secrets: map[string][]byte{"access-key-id-file": []byte("k")}}, "--access-key-id-file and --secret-access-key-file go together"},
		{"field check", &fieldService{schema: nats, plain: map[string]string{"url": "http://n:4222"}}, `--url "http://n:4222" is not a NATS URL`},
		{"field secret", &fieldService{schema: nats, plain: map[string]string{"url": "nats://n:4222", "username": "u"}, secrets: map[string][]byte{"password-file": []byte("a\nb")}}, "--password-file holds a line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &notifyServiceAddOptions{builder: tt.b}
			err := o.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "a usage error is one line")
			var oe *notify.OptionError
			require.ErrorAs(t, err, &oe, "the library's error stays in the chain")
			var exit *exitError
			require.ErrorAs(t, err, &exit)
			assert.Equal(t, ExitError, exit.Code)
		})
	}
}

// AddService and RemoveService name no flag or command; the plugin adds the one that helps.
func TestNotifyServiceAddAndRemoveErrorsGetTheirHint(t *testing.T) {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	slack, err := notify.SlackService(notify.SlackOptions{Token: []byte("t")})
	require.NoError(t, err)
	require.NoError(t, cfg.AddService(slack, false))
	withKey := notify.NewConfig(argocdmanaged.DefaultProfile())
	withKey.SecretData["slack-token"] = []byte("old")
	namedSlack, err := notify.TokenService("mattermost", notify.TokenOptions{Name: "slack", Token: []byte("t"), APIURL: "https://chat.example.com"})
	require.NoError(t, err)
	_, _, removeErr := cfg.RemoveService("nothing", false)

	tests := []struct {
		name   string
		err    error
		hint   func(error) error
		target error
		want   string
	}{
		{"service exists", cfg.AddService(slack, false), addServiceHint, notify.ErrExists, "service service.slack already exists in ConfigMap argocd-notifications-cm; pass --force to replace it"},
		{"secret key exists", withKey.AddService(slack, false), addServiceHint, notify.ErrExists, "key slack-token already exists in Secret argocd-notifications-secret; pass --force to replace it"},
		{"name taken", cfg.AddService(namedSlack, false), addServiceHint, notify.ErrNameTaken, `a service named "slack" already exists as service.slack; remove it first or pick another --name`},
		{"no such service", removeErr, removeServiceHint, notify.ErrNoService, "no service \"nothing\" in ConfigMap argocd-notifications-cm; see `kubectl ck8sargo notify service list`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, tt.err)
			assert.NotContains(t, tt.err.Error(), "--", "the library names no flag")
			got := tt.hint(tt.err)
			assert.Equal(t, tt.want, got.Error())
			assert.ErrorIs(t, got, tt.target)
		})
	}
	other := errors.New("encoding failed")
	assert.Same(t, other, addServiceHint(other), "an error about something else is left as it is")
	assert.Same(t, other, removeServiceHint(other))
}

// CheckSubscription says what is missing; the plugin names --trigger and --recipient, the
// command that adds what is missing, and --force.
func TestNotifySubscriptionErrorsGetTheirHint(t *testing.T) {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	cfg.Data["service.email"] = "host: h\nport: 587\nfrom: a@example.com"
	cfg.Data["trigger.on-deployed"] = "- when: 'true'\n  send: [x]"
	tests := []struct {
		name    string
		sub     notify.Subscription
		problem notify.SubscriptionProblem
		want    string
	}{
		{"undefined service", notify.Subscription{Trigger: "on-deployed", Service: "slack", Recipients: []string{"c"}}, notify.UndefinedService,
			"service \"slack\" is not defined in ConfigMap argocd-notifications-cm; add it with `notify service add`, or pass --force"},
		{"undefined trigger", notify.Subscription{Trigger: "on-x", Service: "email", Recipients: []string{"a@example.com"}}, notify.UndefinedTrigger,
			"trigger \"on-x\" is not defined in ConfigMap argocd-notifications-cm; install it with `notify catalog --install --only on-x`, or pass --force"},
		{"no default triggers", notify.Subscription{Service: "email", Recipients: []string{"a@example.com"}}, notify.NoDefaultTriggers,
			"without --trigger the subscription uses the default triggers, and ConfigMap argocd-notifications-cm has neither defaultTriggers nor defaultTriggers.email: nothing would be sent; name the trigger, or pass --force"},
		{"no recipient", notify.Subscription{Trigger: "on-deployed", Service: "email"}, notify.NoRecipient,
			"service email (email) needs a recipient; give --recipient, or pass --force"},
		{"bad recipient", notify.Subscription{Trigger: "on-deployed", Service: "email", Recipients: []string{"not-an-address"}}, notify.BadRecipient,
			"; pass --force to subscribe anyway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := notify.CheckSubscription(cfg, tt.sub)
			var se *notify.SubscriptionError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.problem, se.Problem)
			assert.NotContains(t, err.Error(), "--", "the library names no flag")
			got := subscriptionHint(err)
			assert.Contains(t, got.Error(), tt.want)
			assert.ErrorAs(t, got, &se, "the library's error stays in the chain")
			var exit *exitError
			require.ErrorAs(t, got, &exit)
			assert.Equal(t, ExitError, exit.Code)
		})
	}
}

// The lint rules' remediations name no flag; the plugin's report names the ones it has.
func TestNotifyLintRemediationsNameThePluginsFlags(t *testing.T) {
	for _, r := range notify.LintRules() {
		assert.NotContains(t, r.Remediation, "--", "rule %s of the library names no flag", r.ID)
	}
	rules := map[string]string{}
	for _, r := range lintPolicyRules() {
		rules[r.ID] = r.Remediation
	}
	tests := []struct{ rule, want string }{
		{notify.RuleSubscriptionTrigger, "install it (notify catalog --install)"},
		{notify.RuleUnknown, "lint files (--config-map, --secret, manifests)"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			assert.Contains(t, rules[tt.rule], tt.want)
			rep := notify.Lint(notify.NewConfig(argocdmanaged.DefaultProfile()), notify.LintOptions{
				Unreadable: []notify.Unreadable{{What: "the Secret", Err: errors.New("forbidden")}},
			})
			withLintCommands(rep)
			for _, f := range rep.Findings {
				if f.Rule == tt.rule {
					assert.Contains(t, f.Remediation, tt.want)
				}
			}
		})
	}
}

// The library's field-configured types carry no help of the plugin; the plugin has help
// and an example for each one, and its flag help names the flags the library's does not.
func TestNotifyFieldServicesHaveTheirHelpInThePlugin(t *testing.T) {
	for _, schema := range notify.ServiceSchemas {
		t.Run(schema.Type, func(t *testing.T) {
			help, ok := fieldServiceHelp[schema.Type]
			require.True(t, ok)
			assert.NotEmpty(t, help.short)
			assert.Contains(t, help.example, "kubectl ck8sargo notify service add "+schema.Type)
			for _, f := range schema.Fields {
				assert.NotContains(t, f.Help, "--", "the library's help of %s names no flag", f.Flag)
			}
		})
	}
	cmd := newServiceAddCmd(&RootOptions{}, "nats", "", "", &fieldService{schema: mustSchema(t, "nats")})
	assert.Equal(t, "user name, with --password-file", cmd.Flags().Lookup("username").Usage)
}

func mustSchema(t *testing.T, typ string) notify.ServiceSchema {
	t.Helper()
	s, ok := notify.Schema(typ)
	require.True(t, ok)
	return s
}
