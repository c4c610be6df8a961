package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/namespaces"
)

type namespaceCreateOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	parent string
	child  string
	wait   time.Duration

	target namespaceTarget
}

// NewCmdNamespaceCreate creates a subnamespace and, with --wait, waits until Argo CD may
// deploy into it.
func NewCmdNamespaceCreate(root *RootOptions) *cobra.Command {
	o := &namespaceCreateOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "create CHILD --parent PARENT [--wait[=5m]]",
		Short: "Create an HNC subnamespace and wait until Argo CD may deploy into it",
		Long: `Create applies a SubnamespaceAnchor named CHILD in namespace PARENT with your own identity
(server-side apply, field manager kubectl-ck8sargo). HNC then creates the namespace, and
the platform adds it to Argo CD's managed namespaces.

With --wait (the default when the output is a terminal) it then waits until the namespace
exists and Argo CD manages it, showing what it waits for. Exit status: 0 when ready, 1 when
the wait timed out (it says what is still missing), 2 when the anchor was refused (HNC not
installed, no rights in PARENT, ...) or the cluster could not be asked.`,
		Example: `  # Create shop-feature under shop and wait until Argo CD can deploy into it
  kubectl ck8sargo namespace create shop-feature --parent shop --wait

  # In CI: create, and wait at most ten minutes
  kubectl ck8sargo namespace create shop-pr-42 --parent shop-staging --wait=10m

  # Only create the anchor, do not wait
  kubectl ck8sargo namespace create shop-feature --parent shop --wait=0`,
		Args: nsExactArgs(1, "CHILD"),
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.parent, "parent", "", "the namespace to create the subnamespace in (required)")
	cmd.Flags().DurationVar(&o.wait, "wait", 0, "wait up to this long until the namespace exists and Argo CD manages it (default: 5m on a terminal, no wait otherwise; 0 disables)")
	cmd.Flags().Lookup("wait").NoOptDefVal = defaultNamespaceWait.String()
	return cmd
}

// Complete takes CHILD, turns a missing --wait into the default wait on a terminal, and
// makes the clients.
func (o *namespaceCreateOptions) Complete(cmd *cobra.Command, args []string) error {
	o.child = args[0]
	if !cmd.Flags().Changed("wait") && isTerminal(o.Out) {
		o.wait = defaultNamespaceWait
	}
	return o.target.complete(o.root, o.Validate)
}

// Validate checks that the parent is given and the wait is not negative.
func (o *namespaceCreateOptions) Validate() error {
	if o.parent == "" {
		return UsageErrorf("--parent is required: the namespace to create %q in", o.child)
	}
	if o.wait < 0 {
		return UsageErrorf("--wait must not be negative")
	}
	return nil
}

// Run applies the anchor and waits when asked to.
func (o *namespaceCreateOptions) Run(ctx context.Context) error {
	sub, err := namespaces.CreateSubnamespace(ctx, o.target.clients, o.target.profile, o.parent, o.child)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "subnamespaceanchor %s/%s applied\n", sub.Parent, sub.Name)
	if o.wait == 0 {
		return nil
	}
	return waitNamespace(ctx, o.IOStreams, o.target, o.parent, o.child, o.wait)
}
