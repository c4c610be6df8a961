package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

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

// namespaceTarget is what every namespace command completes: the user's clients and the
// profile (no request is sent yet).
type namespaceTarget struct {
	clients *argocdmanaged.Clients
	profile argocdmanaged.Profile
}

// complete checks the command's flags with validate, then loads the profile and makes the
// clients. The flags come first so that a usage error is reported as one even where the
// kubeconfig cannot be read; validate is pure, so runCommand running it again is harmless.
func (t *namespaceTarget) complete(root *RootOptions, validate func() error) (err error) {
	if err := validate(); err != nil {
		return err
	}
	if t.profile, err = root.Profile(); err != nil {
		return argocdmanagedError(err)
	}
	t.clients, err = root.Clients()
	return argocdmanagedError(err)
}

// namespaceWaitInterval is the time between checks; tests shorten it.
var namespaceWaitInterval = namespaces.DefaultWaitInterval

// waitNamespace waits and reports progress on stderr: every change of what is missing, and
// on a terminal the time waited so far.
func waitNamespace(ctx context.Context, streams genericiooptions.IOStreams, t namespaceTarget, parent, child string, timeout time.Duration) error {
	errOut := streams.ErrOut
	tty := isTerminal(errOut)
	var lastMissing []string
	progress := func(r namespaces.NamespaceReadiness) {
		missing := r.Missing()
		if r.Ready() {
			if tty {
				fmt.Fprint(errOut, "\r\033[K")
			}
			return
		}
		if tty {
			fmt.Fprintf(errOut, "\r\033[Kwaiting for %s (%s): %s", child, r.Waited.Round(time.Second), strings.Join(missing, "; "))
			return
		}
		if !slices.Equal(missing, lastMissing) {
			fmt.Fprintf(errOut, "waiting for %s (%s): %s\n", child, r.Waited.Round(time.Second), strings.Join(missing, "; "))
		}
		lastMissing = missing
	}
	r, err := namespaces.WaitForNamespace(ctx, t.clients, t.profile, child, namespaces.WaitOptions{
		Parent: parent, Timeout: timeout, Interval: namespaceWaitInterval, Progress: progress,
	})
	if tty {
		fmt.Fprintln(errOut)
	}
	if err != nil {
		var timeout *namespaces.WaitTimeoutError
		if errors.As(err, &timeout) {
			return &exitError{Code: ExitFindings, Err: err}
		}
		return err
	}
	fmt.Fprintf(streams.Out, "namespace %s is ready: it exists and Argo CD manages it (waited %s)\n", child, r.Waited.Round(time.Second))
	return nil
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
