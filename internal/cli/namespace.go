package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/namespaces"
)

// defaultNamespaceWait is how long create --wait and wait wait by default. The platform job
// that adds a namespace to Argo CD's list runs about every minute.
const defaultNamespaceWait = 5 * time.Minute

// NewCmdNamespace groups the commands that create, list, wait for and delete the HNC
// subnamespaces Argo CD deploys into.
func NewCmdNamespace(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "namespace",
		Aliases: []string{"ns"},
		Short:   "Create, list, wait for and delete the subnamespaces Argo CD deploys into",
		Long: `On the managed platform Argo CD may not create namespaces. A namespace is created as an HNC
subnamespace of one of your namespaces, and Argo CD can deploy into it once the platform has
added it to the namespaces of Argo CD's cluster Secret (a job does so about every minute).
Until then a sync into it fails. These commands make that one step.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdNamespaceCreate(root), NewCmdNamespaceWait(root), NewCmdNamespaceList(root), NewCmdNamespaceDelete(root))
	return cmd
}

type namespaceCreateOptions struct {
	root   *RootOptions
	parent string
	child  string
	wait   time.Duration
	// waitSet says whether --wait was given; without it the wait is on for a terminal.
	waitSet bool
}

// NewCmdNamespaceCreate creates a subnamespace and, with --wait, waits until Argo CD may
// deploy into it.
func NewCmdNamespaceCreate(root *RootOptions) *cobra.Command {
	o := &namespaceCreateOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			o.child = args[0]
			o.waitSet = cmd.Flags().Changed("wait")
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.parent, "parent", "", "the namespace to create the subnamespace in (required)")
	cmd.Flags().DurationVar(&o.wait, "wait", 0, "wait up to this long until the namespace exists and Argo CD manages it (default: 5m on a terminal, no wait otherwise; 0 disables)")
	cmd.Flags().Lookup("wait").NoOptDefVal = defaultNamespaceWait.String()
	return cmd
}

func (o *namespaceCreateOptions) Validate() error {
	if o.parent == "" {
		return UsageErrorf("--parent is required: the namespace to create %q in", o.child)
	}
	if o.wait < 0 {
		return UsageErrorf("--wait must not be negative")
	}
	if !o.waitSet && isTerminal(o.root.Out) {
		o.wait = defaultNamespaceWait
	}
	return nil
}

func (o *namespaceCreateOptions) Run(ctx context.Context) error {
	c, p, err := namespaceClients(o.root)
	if err != nil {
		return err
	}
	sub, err := namespaces.CreateSubnamespace(ctx, c, p, o.parent, o.child)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.root.Out, "subnamespaceanchor %s/%s applied\n", sub.Parent, sub.Name)
	if o.wait == 0 {
		return nil
	}
	return waitNamespace(ctx, o.root, c, p, o.parent, o.child, o.wait)
}

type namespaceWaitOptions struct {
	root    *RootOptions
	parent  string
	child   string
	timeout time.Duration
}

// NewCmdNamespaceWait waits until a namespace exists and Argo CD manages it.
func NewCmdNamespaceWait(root *RootOptions) *cobra.Command {
	o := &namespaceWaitOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			o.child = args[0]
			if o.timeout <= 0 {
				return UsageErrorf("--timeout must be positive, for example --timeout 5m")
			}
			c, p, err := namespaceClients(o.root)
			if err != nil {
				return err
			}
			return waitNamespace(cmd.Context(), o.root, c, p, o.parent, o.child, o.timeout)
		},
	}
	cmd.Flags().StringVar(&o.parent, "parent", "", "the namespace that holds the subnamespace's anchor (optional)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", defaultNamespaceWait, "how long to wait")
	return cmd
}

// namespaceWaitInterval is the time between checks; tests shorten it.
var namespaceWaitInterval = namespaces.DefaultWaitInterval

// waitNamespace waits and reports progress on stderr: every change of what is missing, and
// on a terminal the time waited so far.
func waitNamespace(ctx context.Context, root *RootOptions, c *argocdmanaged.Clients, p argocdmanaged.Profile, parent, child string, timeout time.Duration) error {
	tty := isTerminal(root.ErrOut)
	var lastMissing []string
	progress := func(r namespaces.NamespaceReadiness) {
		missing := r.Missing()
		if r.Ready() {
			if tty {
				fmt.Fprint(root.ErrOut, "\r\033[K")
			}
			return
		}
		if tty {
			fmt.Fprintf(root.ErrOut, "\r\033[Kwaiting for %s (%s): %s", child, r.Waited.Round(time.Second), strings.Join(missing, "; "))
			return
		}
		if !slices.Equal(missing, lastMissing) {
			fmt.Fprintf(root.ErrOut, "waiting for %s (%s): %s\n", child, r.Waited.Round(time.Second), strings.Join(missing, "; "))
		}
		lastMissing = missing
	}
	r, err := namespaces.WaitForNamespace(ctx, c, p, child, namespaces.WaitOptions{
		Parent: parent, Timeout: timeout, Interval: namespaceWaitInterval, Progress: progress,
	})
	if tty {
		fmt.Fprintln(root.ErrOut)
	}
	if err != nil {
		if namespaces.IsWaitTimeout(err) {
			return &exitError{Code: ExitFindings, Err: err}
		}
		return err
	}
	fmt.Fprintf(root.Out, "namespace %s is ready: it exists and Argo CD manages it (waited %s)\n", child, r.Waited.Round(time.Second))
	return nil
}

func namespaceClients(root *RootOptions) (*argocdmanaged.Clients, argocdmanaged.Profile, error) {
	p, err := root.Profile()
	if err != nil {
		return nil, p, err
	}
	c, err := root.Clients()
	return c, p, err
}

// nsExactArgs is cobra.ExactArgs with a usage error that names the arguments.
func nsExactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return UsageErrorf("%s takes %s; see '%s --help'", cmd.CommandPath(), names, cmd.CommandPath())
		}
		return nil
	}
}
