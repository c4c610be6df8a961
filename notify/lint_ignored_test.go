package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
	"github.com/ck8sargo/ck8sargo/policy"
)

// ignoredConfig is a minimal configuration with one trigger that fires on a failed sync
// and one template; the cases replace parts of it.
func ignoredConfig(trigger, template string, extra map[string]string) *notify.Config {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	cfg.Data["context"] = "argocdUrl: https://argocd.example.com\n"
	cfg.Data["service.webhook.hook"] = "url: https://hooks.example.com\nheaders:\n- name: Content-Type\n  value: application/json\n"
	cfg.Data["trigger.on-failed"] = trigger
	cfg.Data["template.failed"] = template
	for k, v := range extra {
		cfg.Data[k] = v
	}
	return cfg
}

const failedTrigger = "- when: app.status?.operationState?.phase in ['Failed']\n  send: [failed]\n"

func findingsOf(rep *policy.Report, rule string) []policy.Finding {
	var out []policy.Finding
	for _, f := range rep.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func TestLintFindsWhatTheEngineSilentlyIgnores(t *testing.T) {
	tests := []struct {
		name, trigger, template string
		extra                   map[string]string
		rule, want              string
	}{
		{"a misspelt message", failedTrigger, "mesage: failed\n", nil,
			notify.RuleTemplateKey, `template failed has "mesage" (did you mean "message"?)`},
		{"a subject at the top level", failedTrigger, "message: failed\nsubject: Sync failed\n", nil,
			notify.RuleTemplateKey, `"subject" (did you mean "email.subject"?)`},
		{"a subject mis-indented under email", failedTrigger, "message: failed\nemail:\n  subjct: Sync failed\n", nil,
			notify.RuleTemplateKey, `"email.subjct" (did you mean "email.subject"?)`},
		{"a misspelt oncePer", "- when: app.status?.operationState?.phase in ['Failed']\n  oncePEr: app.status.sync.revision\n  send: [failed]\n", "message: failed\n", nil,
			notify.RuleTriggerKey, `trigger on-failed, condition 0 has "oncePEr" (did you mean "oncePer"?)`},
		{"Slack attachments that are not JSON", failedTrigger, "message: failed\nslack:\n  attachments: '[{\"title\": {{.app.metadata.name}}}]'\n", nil,
			notify.RuleTemplateJSON, "template failed: slack.attachments is not JSON once rendered on an Application whose sync failed"},
		{"Slack blocks that are not JSON", failedTrigger, "message: failed\nslack:\n  blocks: '[{\"type\": section}]'\n", nil,
			notify.RuleTemplateJSON, "slack.blocks is not JSON"},
		{"Teams facts that are not JSON", failedTrigger, "message: failed\nteams:\n  facts: '[{\"name\": \"Sync\", \"value\": {{.app.status.sync.status}}}]'\n", nil,
			notify.RuleTemplateJSON, "teams.facts is not JSON"},
		{"Google Chat cards that are not JSON", failedTrigger, "message: failed\ngooglechat:\n  cardsV2: '[{\"card\": ]'\n", nil,
			notify.RuleTemplateJSON, "googlechat.cardsV2 is not JSON"},
		{"a JSON webhook body that is not JSON", failedTrigger, "message: failed\nwebhook:\n  hook:\n    method: POST\n    body: '{\"app\": {{.app.metadata.name}}}'\n", nil,
			notify.RuleTemplateJSON, "webhook.hook.body is not JSON"},
		{"a condition that reads obj", "- when: obj.status.operationState.phase in ['Failed']\n  send: [failed]\n", "message: failed\n", nil,
			notify.RuleTriggerNeverFires, "trigger on-failed, condition 0 fails on every typical Application, so it can never fire"},
		{"a missing field is named", failedTrigger, "message: 'see {{.context.argocdUrll}}/applications/{{.app.metadata.name}}'\n", nil,
			notify.RuleTemplateRender, `renders "<no value>" for .context.argocdUrll (in message)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := notify.Lint(ignoredConfig(tt.trigger, tt.template, tt.extra), notify.LintOptions{})
			got := findingsOf(rep, tt.rule)
			require.Len(t, got, 1, "one finding per problem: %s", describe(rep))
			assert.Contains(t, got[0].Message, tt.want)
			if tt.rule != notify.RuleTemplateRender {
				assert.Equal(t, policy.SeverityError, got[0].Severity)
			}
		})
	}
}

func TestLintGivesOneFindingPerProblemNotPerSampleOrTrigger(t *testing.T) {
	trigger := "- when: app.status?.operationState?.phase in ['Failed', 'Succeeded', 'Running']\n  send: [failed]\n"
	cfg := ignoredConfig(trigger, "message: '{{.app.status.operationState.mesage}}'\nslack:\n  attachments: '[{{.app.metadata.name}}]'\n", map[string]string{
		"trigger.on-other": "- when: app.status?.sync?.status == 'Synced'\n  send: [failed]\n",
	})
	rep := notify.Lint(cfg, notify.LintOptions{})
	assert.Len(t, findingsOf(rep, notify.RuleTemplateRender), 1, describe(rep))
	assert.Len(t, findingsOf(rep, notify.RuleTemplateJSON), 1, describe(rep))
}

func TestLintKeepsTheCatalogsFreeOfIgnoredKeys(t *testing.T) {
	for name, cfg := range map[string]*notify.Config{"project": projectCatalog(), "upstream": upstreamCatalog(t)} {
		rep := notify.Lint(cfg, notify.LintOptions{})
		assert.Empty(t, findingsOf(rep, notify.RuleTemplateKey), name)
		assert.Empty(t, findingsOf(rep, notify.RuleTriggerKey), name)
		assert.Empty(t, findingsOf(rep, notify.RuleTriggerNeverFires), name)
	}
}
