package cli

import "github.com/spf13/cobra"

// NewCmdNotifyUnsubscribe removes recipients, or a whole subscription. It shares the
// options of subscribe: the same target, service, trigger and write flags.
func NewCmdNotifyUnsubscribe(root *RootOptions) *cobra.Command {
	return newSubscribeCmd(root, true)
}

// unsubscribeHelp gives the command its own use line and help.
func unsubscribeHelp(cmd *cobra.Command) {
	cmd.Use = "unsubscribe NAME --service SERVICE [--trigger TRIGGER] [--recipient R]"
	cmd.Short = "Remove recipients, or a whole subscription, from an Application (or AppProject)"
	cmd.Long = `Removes the given recipients from the annotation notifications.argoproj.io/subscribe.<trigger>.<service>;
without --recipient, or when no recipient is left, the annotation is removed.`
	cmd.Example = `  kubectl ck8sargo notify unsubscribe my-argo-application --trigger on-sync-succeeded --service email --recipient ops@example.com
  kubectl ck8sargo notify unsubscribe shop --project --trigger on-sync-failed --service slack`
}
