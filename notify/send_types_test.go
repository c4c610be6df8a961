package notify_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/notify"
)

// Every field-configured type builds options the engine's own decoder accepts once the
// $references are resolved, with each credential in the Secret and none in the ConfigMap.
func TestFieldServicesBuildWhatTheEngineAccepts(t *testing.T) {
	tests := []struct {
		typ     string
		values  map[string]string
		secrets map[string][]byte
		secret  map[string]string // Secret key -> value
	}{
		{"awssqs", map[string]string{"queue": "argocd", "region": "eu-north-1"}, map[string][]byte{"access-key-id-file": []byte("AKIA1"), "secret-access-key-file": []byte("s3")}, map[string]string{"awssqs-access-key-id": "AKIA1", "awssqs-secret-access-key": "s3"}},
		{"gcppubsub", map[string]string{"project": "p", "topic": "t"}, nil, map[string]string{}},
		{"grafana", map[string]string{"api-url": "https://grafana.example.com/api"}, map[string][]byte{"api-key-file": []byte("glsa_x")}, map[string]string{"grafana-api-key": "glsa_x"}},
		{"nats", map[string]string{"url": "nats://nats:4222", "username": "argocd"}, map[string][]byte{"password-file": []byte("pw")}, map[string]string{"nats-password": "pw"}},
		{"newrelic", nil, map[string][]byte{"api-key-file": []byte("NRAK-1")}, map[string]string{"newrelic-api-key": "NRAK-1"}},
		{"pagerduty", map[string]string{"service-id": "P1"}, map[string][]byte{"token-file": []byte("pd")}, map[string]string{"pagerduty-token": "pd"}},
		{"pushover", nil, map[string][]byte{"token-file": []byte("po")}, map[string]string{"pushover-token": "po"}},
		{"rocketchat", map[string]string{"email": "bot@example.com"}, map[string][]byte{"password-file": []byte("rc")}, map[string]string{"rocketchat-password": "rc"}},
		{"webex", nil, map[string][]byte{"token-file": []byte("wx")}, map[string]string{"webex-token": "wx"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			spec, err := notify.FieldService(tt.typ, "", tt.values, tt.secrets)
			require.NoError(t, err)
			cfg := catalogWith(t, spec)
			for k, v := range tt.secret {
				assert.Equal(t, v, string(cfg.SecretData[k]))
				assert.NotContains(t, cfg.Data[spec.Key()], v, "the credential is a $reference in the ConfigMap")
			}
			rep := notify.Lint(cfg, notify.LintOptions{})
			for _, f := range rep.Findings {
				assert.NotEqual(t, notify.RuleConfigRejected, f.Rule, f.Message)
				assert.NotEqual(t, notify.RuleServiceField, f.Rule, f.Message)
				assert.NotEqual(t, notify.RuleServiceType, f.Rule, f.Message)
			}
		})
	}
}

func TestFieldServicesRefuseMissingAndMalformedFields(t *testing.T) {
	tests := []struct {
		typ     string
		values  map[string]string
		secrets map[string][]byte
		want    string
	}{
		{"grafana", map[string]string{"api-url": "grafana.example.com"}, map[string][]byte{"api-key-file": []byte("k")}, "--api-url \"<not a URL>\" is not an http(s) URL"},
		{"grafana", map[string]string{"api-url": "https://g.example.com/api"}, nil, "--api-key-file is required"},
		{"awssqs", map[string]string{"queue": "q", "region": "r"}, map[string][]byte{"access-key-id-file": []byte("k")}, "go together"},
		{"nats", map[string]string{"url": "http://nats:4222"}, nil, "is not a NATS URL"},
		{"pagerduty", nil, map[string][]byte{"token-file": []byte("t")}, "--service-id is required"},
		{"webex", nil, map[string][]byte{"token-file": []byte("line\nbreak")}, "holds a line break"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.want, func(t *testing.T) {
			_, err := notify.FieldService(tt.typ, "", tt.values, tt.secrets)
			require.Error(t, err)
			assert.Contains(t, asFlags(t, tt.typ, err), tt.want)
		})
	}
}

// asFlags is err's message with the options its OptionErrors name spelled as the flags of
// the type's schema, as the command line shows them.
func asFlags(t *testing.T, typ string, err error) string {
	t.Helper()
	schema, ok := notify.Schema(typ)
	require.True(t, ok)
	flag := func(option string) string {
		for _, f := range schema.Fields {
			if f.Option == option {
				return "--" + f.Flag
			}
		}
		return option
	}
	var msgs []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var oe *notify.OptionError
		if errors.As(e, &oe) {
			msgs = append(msgs, oe.Render(flag))
			continue
		}
		msgs = append(msgs, e.Error())
	}
	return strings.Join(msgs, "\n")
}

func TestEveryEngineServiceTypeIsKnownAndBuildable(t *testing.T) {
	builders := map[string]bool{"email": true, "slack": true, "webhook": true, "teams": true, "teams-workflows": true, "googlechat": true,
		"opsgenie": true, "pagerdutyv2": true, "mattermost": true, "telegram": true, "alertmanager": true, "github": true}
	for _, s := range notify.ServiceSchemas {
		builders[s.Type] = true
	}
	for _, typ := range notify.ServiceTypes {
		assert.True(t, builders[typ], "notify service add has no builder for %s", typ)
		_, err := services.NewService(typ, []byte("{}"))
		if err != nil {
			assert.NotContains(t, err.Error(), "is not supported", "%s is a type of the engine", typ)
		}
	}
	_, err := services.NewService("no-such-type", []byte("{}"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not supported", "the probe above can tell a known type")
}

func TestGrafanaNewRelicAndWebexAreDeliveredOnLoopback(t *testing.T) {
	// New Relic needs its section: without it the engine refuses to send (see the
	// truthful notify test).
	deliverOnLoopback(t, `newrelic:
  revision: '{{.app.status.sync.revision}}'
`, map[string]loopback{
		"grafana": {
			reply: `{"message":"Annotation added","id":1}`,
			service: func(url string) (notify.ServiceSpec, error) {
				return notify.FieldService("grafana", "", map[string]string{"api-url": url + "/api"}, map[string][]byte{"api-key-file": []byte("glsa_token")})
			},
			recipient: "argocd|shop",
			check: func(t *testing.T, r hit) {
				assert.Equal(t, "/api/annotations", r.path)
				assert.Equal(t, "Bearer glsa_token", r.header.Get("Authorization"))
				var ann map[string]any
				require.NoError(t, json.Unmarshal(r.body, &ann))
				assert.Equal(t, []any{"argocd", "shop"}, ann["tags"])
				assert.Contains(t, ann["text"], "The sync operation of application shop has failed")
			},
		},
		"newrelic": {
			reply: `{"deployment":{"id":1}}`,
			service: func(url string) (notify.ServiceSpec, error) {
				return notify.FieldService("newrelic", "", map[string]string{"api-url": url}, map[string][]byte{"api-key-file": []byte("NRAK-key")})
			},
			recipient: "12345",
			check: func(t *testing.T, r hit) {
				assert.Equal(t, "/v2/applications/12345/deployments.json", r.path)
				assert.Contains(t, string(r.body), `"revision":"abc123"`)
			},
		},
		"webex": {
			reply: `{"id":"m1"}`,
			service: func(url string) (notify.ServiceSpec, error) {
				return notify.FieldService("webex", "", map[string]string{"api-url": url}, map[string][]byte{"token-file": []byte("webex-token")})
			},
			recipient: "ops@example.com",
			check: func(t *testing.T, r hit) {
				assert.Equal(t, "/v1/messages", r.path)
				assert.Equal(t, "Bearer webex-token", r.header.Get("Authorization"))
				assert.Contains(t, string(r.body), `"toPersonEmail":"ops@example.com"`)
			},
		},
	})
}

func TestTeamsWorkflowsIsDeliveredToAPowerAutomateShapedWebhookAndRefusesOtherURLs(t *testing.T) {
	srv, _ := endpoint(t, `{}`)
	_, err := notify.KeyedService("teams-workflows", notify.KeyedSecretsOptions{Secrets: map[string][]byte{"ops": []byte(srv.URL + "/webhookb2/abc")}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a Teams Workflows URL")
	assert.NotContains(t, err.Error(), "webhookb2", "the URL path may hold a token")

	deliverOnLoopback(t, "", map[string]loopback{"teams-workflows": {
		reply: `{}`,
		service: func(url string) (notify.ServiceSpec, error) {
			return notify.KeyedService("teams-workflows", notify.KeyedSecretsOptions{Secrets: map[string][]byte{"ops": []byte(url + "/powerautomate/workflows/abc")}})
		},
		recipient: "ops",
		check: func(t *testing.T, r hit) {
			assert.Equal(t, "/powerautomate/workflows/abc", r.path)
			assert.Contains(t, string(r.body), "AdaptiveCard")
		},
	}})
}

func TestLintWarnsAboutServiceTypesNewerThanTheEnvironmentsArgoCD(t *testing.T) {
	spec, err := notify.KeyedService("teams-workflows", notify.KeyedSecretsOptions{Secrets: map[string][]byte{"ops": []byte("https://api.powerautomate.com/x")}})
	require.NoError(t, err)
	pubsub, err := notify.FieldService("gcppubsub", "", map[string]string{"project": "p", "topic": "t"}, nil)
	require.NoError(t, err)
	cfg := catalogWith(t, spec, pubsub)
	for _, tt := range []struct {
		version string
		want    int
	}{{"", 0}, {"v3.5.7", 0}, {"v3.3.0", 0}, {"v3.2.4", 2}, {"v2.14.1", 2}} {
		t.Run("Argo CD "+tt.version, func(t *testing.T) {
			rep := notify.Lint(cfg, notify.LintOptions{ArgoCDVersion: tt.version})
			var newer []string
			for _, f := range rep.Findings {
				assert.NotEqual(t, notify.RuleConfigRejected, f.Rule, "the engine of %s accepts both types: %s", notify.MirroredArgoCDVersion, f.Message)
				if f.Rule == notify.RuleServiceTypeNewer {
					newer = append(newer, f.Message)
				}
			}
			assert.Len(t, newer, tt.want, strings.Join(newer, "\n"))
		})
	}
}
