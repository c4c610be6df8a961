package cli

import (
	"github.com/spf13/cobra"
)

// NewCmdAppset groups the commands about ApplicationSets.
func NewCmdAppset(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "appset",
		Short: "Work with ApplicationSets offline",
		Long: `appset generate prints the Applications an ApplicationSet generates, the way Argo CD's
ApplicationSet controller generates them, without a server: list, git (from the checkout),
cluster (the platform's one cluster), matrix and merge generators, Go templates and
templatePatch.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdAppsetGenerate(root))
	return cmd
}
