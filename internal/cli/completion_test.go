package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// completions runs cobra's hidden __complete command, which the shell scripts call on
// <TAB>, and returns the candidates and the directive line.
func completions(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	r := runArgs(append([]string{"__complete"}, args...)...)
	require.Equal(t, ExitOK, r.code, r.msg)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.NotEmpty(t, lines)
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestCompletionOffersTheFlagValuesTheHelpNames(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"policy", "check", "-o", ""}, []string{"text", "json", "sarif", "junit", "github"}},
		{[]string{"policy", "check", "--fail-on", ""}, []string{"error", "warning", "info", "never"}},
		{[]string{"doctor", "--fail-on", ""}, []string{"error", "warning", "info", "never"}},
		{[]string{"golive", "--output", ""}, []string{"text", "markdown", "json"}},
		{[]string{"backup", "list", "-o", ""}, []string{"text", "json", "yaml"}},
		{[]string{"notify", "service", "add", "email", "-o", ""}, []string{"yaml", "json"}},
		{[]string{"backup", "restore", "NAME", "--dry-run="}, []string{"none", "client", "server"}},
		{[]string{"secrets", "key-secret", "--dry-run="}, []string{"none", "client", "server"}},
		{[]string{"profile", "show", "-o", ""}, []string{"text", "yaml", "json"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, directive := completions(t, tt.args...)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, ":4", directive, "no file names among the values")
		})
	}
}

func TestCompletionLeavesFileFlagsToTheShell(t *testing.T) {
	got, directive := completions(t, "secrets", "encrypt", "--output", "")
	assert.Empty(t, got)
	assert.Equal(t, ":0", directive, "the shell completes file names")
}

func TestEveryOutputFlagCompletesItsFormats(t *testing.T) {
	// A new command whose -o is not an addOutput flag would complete nothing; this
	// catches it.
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if f := c.LocalNonPersistentFlags().Lookup("output"); f != nil && f.Shorthand == "o" {
			_, ok := c.GetFlagCompletionFunc("output")
			assert.True(t, ok, "%s -o has no completion; register it with addOutput", c.CommandPath())
		}
	}
	walk(NewRootCmd(streams))
}

// Completion reads the values of -o and --dry-run from their flag types alone (it no
// longer parses their help): a command that registers either without addOutput or
// addDryRun would complete nothing, or the wrong modes.
func TestEveryDryRunAndOutputFlagKnowsItsValues(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	seen := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "dry-run" && (f.Name != "output" || f.Shorthand != "o") {
				return
			}
			seen++
			v, ok := f.Value.(interface{ Values() []string })
			if !assert.True(t, ok, "%s --%s is a %T; register it with addDryRun or addOutput", c.CommandPath(), f.Name, f.Value) {
				return
			}
			assert.NotEmpty(t, v.Values(), "%s --%s", c.CommandPath(), f.Name)
			_, registered := c.GetFlagCompletionFunc(f.Name)
			assert.True(t, registered, "%s --%s has no completion", c.CommandPath(), f.Name)
		})
	}
	walk(NewRootCmd(streams))
	assert.NotZero(t, seen, "the walk found the flags")
}

func TestCompletionOffersNamespacesAndApplicationsFromTheCluster(t *testing.T) {
	testenv.Require(t, env)
	createNotifyArgoObject(t, argocdmanaged.KindApplication, "complete-me", nil)
	profile := notifyProfileFile(t)

	got, _ := completions(t, "--kubeconfig", env.AdminKubeconfig, "namespace", "create", "x", "--parent", "sho")
	assert.Contains(t, got, testenv.TenantNamespaces[0])
	for _, ns := range got {
		assert.True(t, strings.HasPrefix(ns, "sho"), ns)
	}
	got, _ = completions(t, "--kubeconfig", env.AdminKubeconfig, "policy", "check", "-n", "")
	assert.Contains(t, got, env.Profile.ArgoCD.Namespace)

	got, directive := completions(t, "--kubeconfig", env.AdminKubeconfig, "--profile", profile, "notify", "test", "complete-")
	assert.Equal(t, []string{"complete-me"}, got)
	assert.Equal(t, ":4", directive)

	// Without a reachable cluster there is nothing to offer, and no error on the terminal.
	got, _ = completions(t, "--kubeconfig", filepath.Join(t.TempDir(), "none"), "notify", "test", "")
	assert.Empty(t, got)
}
