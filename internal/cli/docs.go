package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type docsOptions struct {
	genericiooptions.IOStreams
	dir string
	// tree is the command tree to document: the data of this command, as a file is of
	// others, taken by Complete so that Run does not need the command it runs in.
	tree *cobra.Command
}

// NewCmdDocs regenerates the command reference from the command tree, so that it cannot
// drift from the code. Hidden: it is for the project, not for users.
func NewCmdDocs(root *RootOptions) *cobra.Command {
	o := &docsOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:     "docs",
		Short:   "Write the command reference as Markdown",
		Example: `  kubectl ck8sargo docs --dir docs/generated`,
		Hidden:  true,
		Args:    cobra.NoArgs,
		RunE:    runCommand(o),
	}
	cmd.Flags().StringVar(&o.dir, "dir", "docs/generated", "directory to write into")
	return cmd
}

// Complete takes the tree the command belongs to.
func (o *docsOptions) Complete(cmd *cobra.Command, _ []string) error {
	o.tree = cmd.Root()
	return nil
}

// Validate has nothing to check: any directory will do.
func (o *docsOptions) Validate() error { return nil }

// Run writes the reference.
func (o *docsOptions) Run(context.Context) error {
	if err := GenerateDocs(o.tree, o.dir); err != nil {
		return err
	}
	_, err := fmt.Fprintf(o.Out, "wrote the command reference into %s\n", o.dir)
	return err
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
