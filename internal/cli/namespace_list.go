package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/namespaces"
)

type namespaceListOptions struct {
	root   *RootOptions
	output string
}

// NewCmdNamespaceList shows the namespaces the user can see as a tree by HNC parent.
func NewCmdNamespaceList(root *RootOptions) *cobra.Command {
	o := &namespaceListOptions{root: root}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show your namespaces as a tree, each marked managed by Argo CD or not, with its Applications",
		Long: `List shows the namespaces you can see as a tree by HNC parent. Each is marked:

  managed          listed in Argo CD's cluster Secret: Applications can deploy into it
  not-yet-managed  exists, but Argo CD may not deploy into it (yet): a sync into it fails
  platform-owned   the platform's (label owner=operator): Argo CD never deploys into it
  not-created      an anchor asks for it, but HNC has not created it (yet)
  unknown          the managed list could not be read (see the warning)

with the Argo CD Applications that deploy into it. A developer who may not list all
namespaces sees those it can read, found from the kubeconfig namespace (or -n), Argo CD's
managed list, the Applications' destinations and their subnamespaces.`,
		Example: `  kubectl ck8sargo namespace list
  # As a developer who may not list all namespaces: start from one of yours
  kubectl ck8sargo namespace list -n shop -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validateOutput(o.output, "text", "json", "yaml"); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	return cmd
}

func (o *namespaceListOptions) Run(ctx context.Context) error {
	c, p, err := namespaceClients(o.root)
	if err != nil {
		return err
	}
	var seeds []string
	if ns, _, err := o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace(); err == nil && ns != "" {
		seeds = append(seeds, ns)
	}
	tree, err := namespaces.ListNamespaces(ctx, c, p, seeds...)
	if err != nil {
		return err
	}
	for _, w := range tree.Warnings {
		fmt.Fprintf(o.root.ErrOut, "warning: %s\n", w)
	}
	if o.output != "text" {
		return printStructured(o.root.Out, o.output, tree)
	}
	return printNamespaceTree(o.root, tree)
}

func printNamespaceTree(root *RootOptions, tree *namespaces.NamespaceTree) error {
	if len(tree.Namespaces) == 0 {
		_, err := fmt.Fprintln(root.ErrOut, "no namespaces visible to you")
		return err
	}
	w := tabwriter.NewWriter(root.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAMESPACE\tSTATE\tAPPLICATIONS")
	tree.Walk(func(n *namespaces.NamespaceInfo, depth int) {
		name := n.Name
		if depth > 0 {
			name = strings.Repeat("   ", depth-1) + "└─ " + n.Name
		}
		apps := strings.Join(n.Applications, ",")
		if apps == "" {
			apps = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", name, n.State, apps)
	})
	return w.Flush()
}
