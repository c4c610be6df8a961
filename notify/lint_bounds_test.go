package notify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
	"github.com/ck8sargo/ck8sargo/policy"
)

// bounded builds a configuration whose trigger on-x always fires and sends template x.
func bounded(template string) *notify.Config {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	cfg.Data["trigger.on-x"] = "- when: \"true\"\n  send: [x]\n"
	cfg.Data["template.x"] = template
	return cfg
}

func TestLintReportsTemplatesThatRecurseOrRenderMegabytesWithoutRunningWithoutEnd(t *testing.T) {
	tests := []struct {
		name     string
		template string
		rule     string // "" means no finding of the two rules
		want     string
		timeout  time.Duration
	}{
		{
			name:     "a template that calls itself with its own data",
			template: "message: '{{define \"loop\"}}a{{template \"loop\" .}}{{end}}{{template \"loop\" .}}'\n",
			rule:     notify.RuleTemplateRecursion, want: `"loop" calls "loop" in message with the same data`,
		},
		{
			name:     "two templates that call each other with $, in an email body",
			template: "message: m\nemail:\n  body: '{{define \"a\"}}{{with .app}}{{template \"b\" $}}{{end}}{{end}}{{define \"b\"}}{{template \"a\"}}{{end}}{{template \"a\" .}}'\n",
			rule:     notify.RuleTemplateRecursion, want: `"a" calls "b" calls "a" in email.body`,
		},
		{
			name:     "a recursion over the children ends with the data",
			template: "message: '{{define \"tree\"}}{{range .children}}{{template \"tree\" .}}{{end}}{{end}}{{template \"tree\" .app}}'\n",
		},
		{
			name:     "repeat of a gigabyte",
			template: "message: '{{repeat 1000000000 \"x\"}}'\n",
			rule:     notify.RuleTemplateBudget, want: "repeat of 1000000000 is over the limit of 1048576",
		},
		{
			name:     "a range that renders 1.1 MB",
			template: "message: '{{range until 1100}}{{repeat 1000 \"x\"}}{{end}}'\n",
			rule:     notify.RuleTemplateBudget, want: "it renders 1100000 bytes, over the limit of 1048576",
		},
		{
			name: "a range that runs for seconds", timeout: 100 * time.Millisecond,
			// 20 million turns take seconds; the test's limit is 100 ms (2 s by default).
			template: "message: '{{range 20000000}}{{end}}'\n",
			rule:     notify.RuleTemplateBudget, want: "rendering did not end within 100ms",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := notify.Lint(bounded(tt.template), notify.LintOptions{RenderTimeout: tt.timeout})
			recursion, budget := findingsOf(rep, notify.RuleTemplateRecursion), findingsOf(rep, notify.RuleTemplateBudget)
			assert.Empty(t, findingsOf(rep, notify.RuleTemplateRender), describe(rep))
			switch tt.rule {
			case "":
				assert.Empty(t, append(recursion, budget...), describe(rep))
			case notify.RuleTemplateRecursion:
				require.Len(t, recursion, 1, describe(rep))
				assert.Empty(t, budget, describe(rep))
				assert.Contains(t, recursion[0].Message, tt.want)
				assert.Equal(t, policy.SeverityError, recursion[0].Severity)
			default:
				require.Len(t, budget, 1, describe(rep))
				assert.Contains(t, budget[0].Message, tt.want)
			}
		})
	}
}

func TestEvaluateRefusesARecursiveTemplateAndBoundsItsRendering(t *testing.T) {
	for name, tmpl := range map[string]string{
		"recursion": "message: '{{define \"loop\"}}{{template \"loop\" .}}{{end}}{{template \"loop\" .}}'\n",
		"megabytes": "message: '{{repeat 2000000 \"x\"}}'\n",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := bounded(tmpl)
			cfg.Data["service.webhook.hook"] = "url: http://127.0.0.1:1\n"
			app := mustApp(t, appStates[0].object())
			app.Annotations = map[string]string{"notifications.argoproj.io/subscribe.on-x.hook": ""}
			ev, err := notify.Evaluate(context.Background(), cfg, app, notify.EvaluateOptions{})
			require.NoError(t, err)
			require.Len(t, ev.Triggers, 1)
			require.Len(t, ev.Triggers[0].Deliveries, 1)
			d := ev.Triggers[0].Deliveries[0]
			assert.True(t, ev.RenderFailed())
			if name == "recursion" {
				assert.Contains(t, d.RenderError, "calls itself without end")
			} else {
				assert.Contains(t, d.RenderError, "over the limit of 1048576")
			}
		})
	}
}

func TestLintOfAConfigMapWithTenThousandKeysEndsWithTheSizeFinding(t *testing.T) {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	for i := range 10000 {
		switch i % 2 {
		case 0:
			cfg.Data[fmt.Sprintf("trigger.on-%d", i)] = fmt.Sprintf("- when: app.status?.sync?.status == 'S%d'\n  send: [t-%d]\n", i, i+1)
		case 1:
			cfg.Data[fmt.Sprintf("template.t-%d", i)] = fmt.Sprintf("message: Application {{.app.metadata.name}} is %d, %s\n", i, strings.Repeat("x", 100))
		}
	}
	rep := notify.Lint(cfg, notify.LintOptions{})
	size := findingsOf(rep, notify.RuleConfigMapSize)
	require.Len(t, size, 1, "findings: %d", len(rep.Findings))
	assert.Contains(t, size[0].Message, "the API server refuses more than 1048576")
	assert.Empty(t, findingsOf(rep, notify.RuleTemplateRender))
	assert.Empty(t, findingsOf(rep, notify.RuleTriggerTemplate))
}

func TestLintNamesANonUTF8SecretValueWithoutPrintingIt(t *testing.T) {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	cfg.Data["service.webhook.hook"] = "url: http://127.0.0.1:1\nheaders:\n- name: Authorization\n  value: $hook-token\n"
	cfg.SecretData["hook-token"] = []byte("tok\xff\xfeen-value")
	cfg.SecretData["unused"] = []byte{0xc3, 0x28, 0xa0, 0xa1}
	rep := notify.Lint(cfg, notify.LintOptions{})
	values := findingsOf(rep, notify.RuleSecretValue)
	require.Len(t, values, 1, describe(rep))
	assert.Contains(t, values[0].Message, "$hook-token")
	assert.Contains(t, values[0].Message, "not UTF-8 text")
	for _, f := range rep.Findings {
		assert.NotContains(t, f.Message, "en-value")
	}
}
