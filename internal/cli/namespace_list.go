package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/namespaces"
)

type namespaceListOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	output *outputFlag

	target namespaceTarget
	seeds  []string
}

// NewCmdNamespaceList shows the namespaces the user can see as a tree by HNC parent.
func NewCmdNamespaceList(root *RootOptions) *cobra.Command {
	o := &namespaceListOptions{IOStreams: root.IOStreams, root: root}
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
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete makes the clients and takes the kubeconfig namespace (or -n) as where to start
// looking.
func (o *namespaceListOptions) Complete(*cobra.Command, []string) error {
	if err := o.target.complete(o.root, o.Validate); err != nil {
		return err
	}
	if ns, _, err := o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace(); err == nil && ns != "" {
		o.seeds = append(o.seeds, ns)
	}
	return nil
}

// Validate has nothing to check: -o is checked when it is parsed.
func (o *namespaceListOptions) Validate() error { return nil }

// Run lists the namespaces and prints them.
func (o *namespaceListOptions) Run(ctx context.Context) error {
	tree, err := namespaces.ListNamespaces(ctx, o.target.clients, o.target.profile, o.seeds...)
	if err != nil {
		return err
	}
	for _, w := range tree.Warnings {
		fmt.Fprintf(o.ErrOut, "warning: %s\n", w)
	}
	if !o.output.is("text") {
		return printStructured(o.Out, o.output.format, tree)
	}
	return printNamespaceTree(o.IOStreams, tree)
}

func printNamespaceTree(streams genericiooptions.IOStreams, tree *namespaces.NamespaceTree) error {
	if len(tree.Namespaces) == 0 {
		_, err := fmt.Fprintln(streams.ErrOut, "no namespaces visible to you")
		return err
	}
	w := tabwriter.NewWriter(streams.Out, 0, 4, 2, ' ', 0)
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
