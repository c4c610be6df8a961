package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/namespaces"
)

type namespaceDeleteOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	parent string
	child  string
	force  bool
	yes    bool

	target namespaceTarget
}

// NewCmdNamespaceDelete deletes a subnamespace by deleting its anchor.
func NewCmdNamespaceDelete(root *RootOptions) *cobra.Command {
	o := &namespaceDeleteOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "delete CHILD --parent PARENT [--force] [--yes]",
		Short: "Delete a subnamespace, refusing while Applications deploy into it or it holds volumes",
		Long: `Delete removes the SubnamespaceAnchor CHILD from PARENT. HNC then deletes the namespace CHILD
and everything in it: workloads, Secrets and the data of its PersistentVolumeClaims.

It refuses while an Argo CD Application deploys into the namespace or while the namespace
holds PersistentVolumeClaims, unless --force. It asks for confirmation unless --yes.`,
		Example: `  kubectl ck8sargo namespace delete shop-feature --parent shop
  # In a script, after checking nothing is deployed there
  kubectl ck8sargo namespace delete shop-pr-42 --parent shop-staging --yes`,
		Args: nsExactArgs(1, "CHILD"),
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.parent, "parent", "", "the namespace that holds the subnamespace's anchor (required)")
	cmd.Flags().BoolVar(&o.force, "force", false, "delete even while Applications deploy into the namespace or it holds PersistentVolumeClaims")
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// Complete takes CHILD and makes the clients.
func (o *namespaceDeleteOptions) Complete(_ *cobra.Command, args []string) error {
	o.child = args[0]
	return o.target.complete(o.root, o.Validate)
}

// Validate checks that the parent is given.
func (o *namespaceDeleteOptions) Validate() error {
	if o.parent == "" {
		return UsageErrorf("--parent is required: the namespace that holds the anchor of %q", o.child)
	}
	return nil
}

// Run plans the delete, refuses a blocked one without --force, asks, and deletes.
func (o *namespaceDeleteOptions) Run(ctx context.Context) error {
	plan, err := namespaces.PlanSubnamespaceDelete(ctx, o.target.clients, o.target.profile, o.parent, o.child)
	if err != nil {
		return err
	}
	if plan.Blocked() && !o.force {
		return argocdmanagedError(&namespaces.DeleteRefusedError{Plan: plan})
	}
	e := o.ErrOut
	fmt.Fprintf(e, "Deleting the SubnamespaceAnchor %s/%s makes HNC delete namespace %s and everything in it.\n", o.parent, o.child, o.child)
	if len(plan.Applications) > 0 {
		fmt.Fprintf(e, "Applications that deploy into it will fail: %s\n", strings.Join(plan.Applications, ", "))
	}
	if len(plan.PersistentVolumeClaims) > 0 {
		fmt.Fprintf(e, "The data of these PersistentVolumeClaims will be lost: %s\n", strings.Join(plan.PersistentVolumeClaims, ", "))
	}
	if !o.yes {
		fmt.Fprintf(e, "Delete namespace %s? [y/N] ", o.child)
		ok, err := readYes(o.In)
		if err != nil {
			return fmt.Errorf("reading the confirmation: %w", err)
		}
		if !ok {
			return fmt.Errorf("not confirmed: namespace %s was not deleted (answer y, or pass --yes)", o.child)
		}
	}
	if err := namespaces.DeleteSubnamespace(ctx, o.target.clients, plan, o.force); err != nil {
		return argocdmanagedError(err)
	}
	_, err = fmt.Fprintf(o.Out, "subnamespaceanchor %s/%s deleted; HNC deletes namespace %s\n", o.parent, o.child, o.child)
	return err
}
