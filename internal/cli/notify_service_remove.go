package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

type notifyServiceRemoveOptions struct {
	genericiooptions.IOStreams
	root        *RootOptions
	name        string
	keepSecrets bool
	write       writeFlags

	cfg *notify.Config
	c   *argocdmanaged.Clients
}

// NewCmdNotifyServiceRemove removes a service and the Secret keys only it used.
func NewCmdNotifyServiceRemove(root *RootOptions) *cobra.Command {
	o := &notifyServiceRemoveOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a notification service and the Secret keys that only it references",
		Example: `  kubectl ck8sargo notify service remove email
  kubectl ck8sargo notify service remove service.email.relay --keep-secrets --dry-run=server`,
		Args: cobra.ExactArgs(1),
		RunE: runCommand(o),
	}
	cmd.Flags().BoolVar(&o.keepSecrets, "keep-secrets", false, "keep the service's keys in the Secret")
	o.write = addWriteFlags(cmd)
	return cmd
}

// Complete takes the service's name (or key) and reads the profile and the live
// configuration.
func (o *notifyServiceRemoveOptions) Complete(cmd *cobra.Command, args []string) error {
	o.name = args[0]
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	o.cfg, o.c, err = loadLive(cmd.Context(), o.root, p)
	return err
}

// Validate has nothing to check: whether the service exists is known once it is read.
func (o *notifyServiceRemoveOptions) Validate() error { return nil }

// Run removes the service from the live configuration and writes it.
func (o *notifyServiceRemoveOptions) Run(ctx context.Context) error {
	cfg, c := o.cfg, o.c
	key, removed, err := cfg.RemoveService(o.name, o.keepSecrets)
	if err != nil {
		return UsageErrorf("%w", removeServiceHint(err))
	}
	if !o.write.printsObjects() {
		fmt.Fprintf(o.Out, "removing %s", key)
		if len(removed) > 0 {
			fmt.Fprintf(o.Out, " and Secret keys %s", strings.Join(removed, ", "))
		}
		fmt.Fprintln(o.Out)
	}
	return applyConfig(ctx, o.Out, c, cfg, &o.write)
}
