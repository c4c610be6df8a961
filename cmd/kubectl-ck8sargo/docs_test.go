package main_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/cli"
)

// TestTheCommandReferenceIsUpToDate regenerates docs/generated and compares: the reference
// cannot drift from the commands. Run `make docs` after changing a command.
func TestTheCommandReferenceIsUpToDate(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, cli.GenerateDocs(cli.NewRootCmd(genericiooptions.NewTestIOStreamsDiscard()), dir))
	want, err := filepath.Glob(filepath.Join(dir, "*.md"))
	require.NoError(t, err)
	committed, err := filepath.Glob("../../docs/generated/*.md")
	require.NoError(t, err)
	assert.Equal(t, len(want), len(committed), "pages in docs/generated; run `make docs`")
	for _, f := range want {
		got, err := os.ReadFile(filepath.Join("../../docs/generated", filepath.Base(f)))
		if !assert.NoError(t, err, "run `make docs`") {
			continue
		}
		exp, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.Equal(t, string(exp), string(got), "%s is stale; run `make docs`", filepath.Base(f))
	}
}

func TestEveryCommandHasAnExample(t *testing.T) {
	root := cli.NewRootCmd(genericiooptions.NewTestIOStreamsDiscard())
	for _, c := range allCommands(root) {
		if c.Runnable() && !c.HasSubCommands() && !c.Hidden && c.Name() != "help" && c.Parent() != nil && c.Parent().Name() != "completion" {
			assert.NotEmpty(t, c.Example, "%s has no example", c.CommandPath())
		}
	}
}

func allCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		out = append(out, allCommands(sub)...)
	}
	return out
}
