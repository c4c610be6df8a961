package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type namespaceWaitOptions struct {
	genericiooptions.IOStreams
	root    *RootOptions
	parent  string
	child   string
	timeout time.Duration

	target namespaceTarget
}

// NewCmdNamespaceWait waits until a namespace exists and Argo CD manages it.
func NewCmdNamespaceWait(root *RootOptions) *cobra.Command {
	o := &namespaceWaitOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "wait CHILD [--parent PARENT] [--timeout 5m]",
		Short: "Wait until a namespace exists and Argo CD manages it",
		Long: `Wait checks until namespace CHILD exists and is listed in the namespaces of Argo CD's cluster
Secret, for scripts and CI that created the subnamespace some other way. With --parent, HNC's
state of the anchor is read too, and a refused anchor ends the wait at once. Exit status: 0
when ready, 1 on timeout (saying what is still missing), 2 on a refusal or a cluster error.`,
		Example: `  kubectl ck8sargo namespace wait shop-feature
  kubectl ck8sargo namespace wait shop-pr-42 --parent shop-staging --timeout 10m`,
		Args: nsExactArgs(1, "CHILD"),
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.parent, "parent", "", "the namespace that holds the subnamespace's anchor (optional)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", defaultNamespaceWait, "how long to wait")
	return cmd
}

// Complete takes CHILD and makes the clients.
func (o *namespaceWaitOptions) Complete(_ *cobra.Command, args []string) error {
	o.child = args[0]
	return o.target.complete(o.root, o.Validate)
}

// Validate checks that the timeout is positive.
func (o *namespaceWaitOptions) Validate() error {
	if o.timeout <= 0 {
		return UsageErrorf("--timeout must be positive, for example --timeout 5m")
	}
	return nil
}

// Run waits.
func (o *namespaceWaitOptions) Run(ctx context.Context) error {
	return waitNamespace(ctx, o.IOStreams, o.target, o.parent, o.child, o.timeout)
}
