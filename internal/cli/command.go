package cli

import (
	"context"

	"github.com/spf13/cobra"
)

// commandOptions is the shape of a command, as in kubectl and sample-cli-plugin: Complete
// turns the arguments, flags, kubeconfig and profile into ready values and clients (it
// reads, it changes nothing); Validate checks them without I/O; Run makes the library call
// and prints. Run never sees cobra.
type commandOptions interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// closer is an options struct that holds something opened (a store) until the command ends.
type closer interface{ close() }

// runCommand is the RunE of a command whose options are o.
func runCommand(o commandOptions) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if c, ok := o.(closer); ok {
			defer c.close()
		}
		if err := o.Complete(cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}
