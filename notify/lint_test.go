package notify_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
	"github.com/ck8sargo/ck8sargo/policy"
)

// lintFile reads a test case: a ConfigMap, maybe a Secret and Applications.
func lintFile(t *testing.T, path string) *policy.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var m notify.Manifests
	require.NoError(t, notify.ReadManifests(path, bytes.NewReader(data), &m))
	return lintManifestsWithSource(&m, path, data)
}

func lintManifests(m *notify.Manifests, file string) *policy.Report {
	return lintManifestsWithSource(m, file, nil)
}

func lintManifestsWithSource(m *notify.Manifests, file string, src []byte) *policy.Report {
	var cm *corev1.ConfigMap
	var secret *corev1.Secret
	if len(m.ConfigMaps) > 0 {
		cm = m.ConfigMaps[0].Object
	}
	if len(m.Secrets) > 0 {
		secret = m.Secrets[0].Object
	}
	cfg := notify.FromObjects(argocdmanaged.DefaultProfile(), cm, secret)
	return notify.Lint(cfg, notify.LintOptions{Applications: m.Applications, AppProjects: m.AppProjects, ConfigMapFile: file, SecretFile: file, ConfigMapSource: src})
}

func rules(rep *policy.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Rule)
	}
	return out
}

func TestLintFindsEveryMistakeOfTheBrokenCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/lint/broken/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 20)
	distinct := map[string]bool{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(data), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			require.True(t, ok, "first line must be '# want: RULE'")
			rep := lintFile(t, f)
			assert.Contains(t, rules(rep), want, "findings: %s", describe(rep))
			distinct[want] = true
			for _, fd := range rep.Findings {
				assert.NotEmpty(t, fd.Message)
				assert.NotEmpty(t, fd.Remediation, fd.Rule)
				assert.NotContains(t, fd.Message, "app-password", "a secret value leaked into a finding")
			}
		})
	}
	assert.GreaterOrEqual(t, len(distinct), 20, "distinct mistakes covered")
}

func TestLintPassesAValidConfigurationWithoutWarnings(t *testing.T) {
	files, err := filepath.Glob("testdata/lint/valid/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		rep := lintFile(t, f)
		assert.False(t, rep.Fails(policy.SeverityWarning), "%s: %s", f, describe(rep))
	}
}

func TestLintPassesTheProjectCatalogAndWarnsAboutTheUpstreamOne(t *testing.T) {
	rep := notify.Lint(projectCatalog(), notify.LintOptions{})
	assert.Empty(t, rep.Findings, describe(rep))

	up := notify.Lint(upstreamCatalog(t), notify.LintOptions{})
	assert.Contains(t, rules(up), notify.RuleTriggerRuntime, "upstream conditions fail on Applications without status")
	// The one error: upstream's app-sync-status-unknown writes condition messages into the
	// Slack attachment JSON unquoted, and a message with a quote in it (the namespaced-mode
	// error of this platform) breaks the JSON, so Slack gets nothing. The project's catalog
	// encodes them with toJson.
	var errs []string
	for _, f := range up.Findings {
		if f.Severity == policy.SeverityError {
			errs = append(errs, f.Rule+": "+f.Message)
		}
	}
	require.Len(t, errs, 1, describe(up))
	assert.Contains(t, errs[0], notify.RuleTemplateJSON+": template app-sync-status-unknown: slack.attachments is not JSON once rendered on an Application with sync status Unknown")
}

func TestLintRulesAreDocumentedAndUnique(t *testing.T) {
	seen := map[string]bool{}
	doc, err := os.ReadFile("../docs/notify.md")
	require.NoError(t, err)
	for _, r := range notify.LintRules() {
		assert.False(t, seen[r.ID], "duplicate %s", r.ID)
		seen[r.ID] = true
		assert.NotEmpty(t, r.Title)
		assert.NotEmpty(t, r.Rationale)
		assert.NotEmpty(t, r.Remediation)
		assert.Contains(t, string(doc), "`"+r.ID+"`", "docs/notify.md must describe %s", r.ID)
	}
}

func TestLintReportsBadInputAsFindingsWithoutPanicking(t *testing.T) {
	big := strings.Repeat("x", notify.MaxConfigMapBytes)
	tests := []struct {
		name string
		data map[string]string
		sec  map[string][]byte
		want string
	}{
		{"malformed YAML in a template", map[string]string{"template.a": "message: [unclosed"}, nil, notify.RuleTemplateYAML},
		{"malformed YAML in a trigger", map[string]string{"trigger.a": "- when: 'x\n  send: ["}, nil, notify.RuleTriggerYAML},
		{"a Secret with non-UTF-8 data", map[string]string{"service.slack": "token: $t"}, map[string][]byte{"t": {0xff, 0xfe, 0x00}}, notify.RuleSecretValue},
		{"a ConfigMap of 1 MB", map[string]string{"template.big": "message: " + big}, nil, notify.RuleConfigMapSize},
		{"a service that is not a map", map[string]string{"service.slack": "- a\n- b"}, nil, notify.RuleServiceYAML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
			cfg.Data = tt.data
			if tt.sec != nil {
				cfg.SecretData = tt.sec
				cfg.SecretExists = true
			}
			rep := notify.Lint(cfg, notify.LintOptions{})
			assert.Contains(t, rules(rep), tt.want, describe(rep))
		})
	}
}

func describe(rep *policy.Report) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "\n  %s %s: %s", f.Severity, f.Rule, f.Message)
	}
	return b.String()
}

func TestLintFindingsPointAtTheKeyLine(t *testing.T) {
	rep := lintFile(t, "testdata/lint/broken/secret-ref-typo.yaml")
	require.Contains(t, rules(rep), notify.RuleSecretRef)
	for _, f := range rep.Findings {
		if f.Rule == notify.RuleSecretRef {
			assert.Equal(t, 8, f.Line, "service.slack is on line 8")
		}
	}
}

// The lint rules are policy rules the report writers may take, and LintRules is a copy.
func TestLintRulesAreValidPolicyRules(t *testing.T) {
	rules := notify.LintRules()
	_, err := policy.NewRegistry(rules...)
	require.NoError(t, err)
	for _, r := range rules {
		assert.Nil(t, r.Check, "rule %s: Lint finds, the rules only describe", r.ID)
		assert.NotContains(t, r.Remediation, "notify ", "rule %s names no command", r.ID)
	}
	rules[0].Title = "changed"
	assert.NotEqual(t, "changed", notify.LintRules()[0].Title)
}
