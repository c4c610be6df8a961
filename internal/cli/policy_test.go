package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/cli"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

type policyRun struct {
	code           int
	msg            string
	stdout, stderr string
}

// runPolicyCmd runs `kubectl ck8sargo ARGS...` in dir with stdin, as main does.
func runPolicyCmd(t *testing.T, dir, stdin string, args ...string) policyRun {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	streams, in, out, errOut := genericiooptions.NewTestIOStreams()
	in.WriteString(stdin)
	cmd := cli.NewRootCmd(streams)
	cmd.SetArgs(args)
	code, msg := cli.ExitCode(cmd.ExecuteContext(context.Background()))
	return policyRun{code: code, msg: msg, stdout: out.String(), stderr: errOut.String()}
}

func policyRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	fixture.WriteFiles(t, dir, files)
	return dir
}

const (
	cleanConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\ndata: {k: v}\n"
	lbService      = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec: {type: LoadBalancer}\n"
	namespaceDoc   = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
)

func TestPolicyCheckExitCodes(t *testing.T) {
	dir := policyRepo(t, map[string]string{
		"clean/cm.yaml":  cleanConfigMap,
		"warn/svc.yaml":  lbService,
		"error/ns.yaml":  namespaceDoc,
		"empty/README":   "no manifests here",
		"broken/a.yaml":  "foo: [\n",
		".ck8sargo.yaml": "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nnamespaces: {managed: [shop]}\n",
	})
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"clean passes", []string{"policy", "check", "clean"}, 0, ""},
		{"a warning passes by default", []string{"policy", "check", "warn"}, 0, ""},
		{"a warning fails with --fail-on warning", []string{"policy", "check", "--fail-on", "warning", "warn"}, 1, ""},
		{"an error fails", []string{"policy", "check", "error"}, 1, ""},
		{"--fail-on never never fails", []string{"policy", "check", "--fail-on", "never", "error"}, 0, ""},
		{"invalid YAML is a finding", []string{"policy", "check", "broken"}, 1, ""},
		{"no objects is exit 2", []string{"policy", "check", "empty"}, 2, "no Kubernetes objects found in empty"},
		{"--allow-empty accepts no objects", []string{"policy", "check", "--allow-empty", "empty"}, 0, ""},
		{"a missing path is exit 2", []string{"policy", "check", "nope"}, 2, "reading nope: no such file or directory"},
		{"bad --fail-on", []string{"policy", "check", "--fail-on", "fatal", "clean"}, 2, "--fail-on"},
		{"bad format", []string{"policy", "check", "-o", "xml", "clean"}, 2, `unsupported output format "xml"`},
		{"stdin mixed with paths", []string{"policy", "check", "-", "clean"}, 2, "cannot be mixed"},
		{"bad size", []string{"policy", "check", "--max-file-size", "big", "clean"}, 2, "--max-file-size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPolicyCmd(t, dir, "", tt.args...)
			assert.Equal(t, tt.code, r.code, "stdout: %s\nmsg: %s", r.stdout, r.msg)
			if tt.msg != "" {
				assert.Contains(t, r.msg, tt.msg)
			} else {
				assert.Empty(t, r.msg)
			}
			assert.NotContains(t, r.msg, "\n")
		})
	}
}

func TestPolicyCheckReadsStdinAndWritesJSON(t *testing.T) {
	dir := policyRepo(t, map[string]string{"x": ""})
	r := runPolicyCmd(t, dir, cleanConfigMap+"---\n"+namespaceDoc, "policy", "check", "-o", "json", "-")
	assert.Equal(t, 1, r.code)
	var rep struct {
		Findings []struct {
			Rule, File string
			Line       int
		}
		Summary struct{ Objects, Errors int }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, "no-namespace-resource", rep.Findings[0].Rule)
	assert.Equal(t, "<stdin>", rep.Findings[0].File)
	assert.Equal(t, 6, rep.Findings[0].Line)
	assert.Equal(t, 2, rep.Summary.Objects)
}

func TestPolicyCheckPrintsTheReportBeforeFailingOnUnreadableInput(t *testing.T) {
	dir := policyRepo(t, map[string]string{"m/ns.yaml": namespaceDoc})
	require.NoError(t, os.Symlink("gone.yaml", filepath.Join(dir, "m", "dangling.yaml")))
	r := runPolicyCmd(t, dir, "", "policy", "check", "m")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stdout, "m/ns.yaml:1 no-namespace-resource error")
	assert.Contains(t, r.msg, "some input could not be read (the rest was checked): reading m/dangling.yaml: no such file or directory")
}

func TestPolicyRulesListsEveryRule(t *testing.T) {
	r := runPolicyCmd(t, "", "", "policy", "rules", "-o", "json")
	require.Equal(t, 0, r.code, r.msg)
	var got []struct{ ID, Severity, Title, Rationale, Remediation, HelpURI string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.Len(t, got, len(rules.Builtin()))
	for _, g := range got {
		assert.NotEmpty(t, g.Title)
		assert.Contains(t, g.HelpURI, "#"+g.ID)
	}
	text := runPolicyCmd(t, "", "", "policy", "rules")
	assert.Contains(t, text.stdout, "no-namespace-resource")
}

// The rule reference in docs/policy.md is what `policy rules -o markdown` prints.
func TestPolicyDocsRuleReferenceIsGenerated(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "policy.md"))
	require.NoError(t, err)
	var want bytes.Buffer
	require.NoError(t, cli.WriteRuleReference(&want, rules.Builtin()))
	const begin, end = "<!-- rules:begin -->\n", "<!-- rules:end -->"
	text := string(doc)
	i, j := strings.Index(text, begin), strings.Index(text, end)
	require.True(t, i >= 0 && j > i, "docs/policy.md lacks the rules markers")
	assert.Equal(t, want.String(), text[i+len(begin):j], "regenerate with `kubectl ck8sargo policy rules -o markdown`")
}

func TestPolicyRulesShowsOneRuleInFullAndEveryRuleWide(t *testing.T) {
	r := runPolicyCmd(t, "", "", "policy", "rules", "no-create-namespace")
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "no-create-namespace (error)")
	assert.Contains(t, r.stdout, "Why: `syncOptions: [CreateNamespace=true]`")
	assert.Contains(t, r.stdout, "Fix: Remove CreateNamespace=true")
	assert.Contains(t, r.stdout, "docs/policy.md#no-create-namespace")
	assert.NotContains(t, r.stdout, "no-namespace-resource", "only the rule asked for")

	r = runPolicyCmd(t, "", "", "policy", "rules", "gatekeeper/K8sRequiredLabels")
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "gatekeeper (error)", "a finding's own ID finds the rule that reports it")

	r = runPolicyCmd(t, "", "", "policy", "rules", "no-such-rule")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "unknown rule \"no-such-rule\": `kubectl ck8sargo policy rules` lists them", r.msg)

	r = runPolicyCmd(t, "", "", "policy", "rules", "-o", "wide")
	require.Equal(t, 0, r.code, r.msg)
	for _, rule := range rules.Builtin() {
		assert.Contains(t, r.stdout, rule.ID+" ("+rule.Severity.String()+")")
	}
	assert.Equal(t, len(rules.Builtin()), strings.Count(r.stdout, "\n  Why: "))
	for _, line := range strings.Split(r.stdout, "\n") {
		if !strings.Contains(line, "://") {
			assert.LessOrEqual(t, len(line), 100, "wrapped for a terminal: %q", line)
		}
	}
}
