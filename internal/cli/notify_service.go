package cli

import (
	"github.com/spf13/cobra"
)

// NewCmdNotifyService groups the commands that add, list and remove notification services.
func NewCmdNotifyService(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "service",
		Short: "Add, list and remove notification services (email, Slack, webhook, Teams, ...)",
		Example: `  kubectl ck8sargo notify service add email --host smtp.example.com --port 587 --from argocd@example.com \
      --username argocd@example.com --password-file password.txt
  kubectl ck8sargo notify service list
  kubectl ck8sargo notify service remove email`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdNotifyServiceAdd(root), NewCmdNotifyServiceList(root), NewCmdNotifyServiceRemove(root))
	return cmd
}
