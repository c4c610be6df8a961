package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

type docsOptions struct {
	root *RootOptions
	dir  string
}

// NewCmdDocs regenerates the command reference from the command tree, so that it cannot
// drift from the code. Hidden: it is for the project, not for users.
func NewCmdDocs(root *RootOptions) *cobra.Command {
	o := &docsOptions{root: root}
	cmd := &cobra.Command{
		Use:     "docs",
		Short:   "Write the command reference as Markdown",
		Example: `  kubectl ck8sargo docs --dir docs/generated`,
		Hidden:  true,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := GenerateDocs(cmd.Root(), o.dir); err != nil {
				return err
			}
			_, err := fmt.Fprintf(o.root.Out, "wrote the command reference into %s\n", o.dir)
			return err
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "docs/generated", "directory to write into")
	return cmd
}

// GenerateDocs writes one Markdown page per command into dir, replacing what is there.
// Defaults that hold the writer's home directory are written as $HOME, so that the pages
// are the same on every machine.
func GenerateDocs(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	// cobra adds the completion command only when it executes; add it here too, so that
	// the reference is the same whether written by `docs` or by a test.
	root.InitDefaultCompletionCmd()
	home, _ := os.UserHomeDir()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, fs := range []*pflag.FlagSet{c.LocalFlags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if home != "" && strings.Contains(f.DefValue, home) {
					f.DefValue = strings.ReplaceAll(f.DefValue, home, "$HOME")
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return doc.GenMarkdownTree(root, dir)
}
