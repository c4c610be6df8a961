package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// RootOptions are the flags every command shares: the kubeconfig flags of kubectl and the
// profile file.
type RootOptions struct {
	ConfigFlags *genericclioptions.ConfigFlags
	// ProfileFile is --profile; empty means look for .ck8sargo.yaml from the working
	// directory up.
	ProfileFile string
	genericiooptions.IOStreams
}

// NewRootCmd builds the kubectl-ck8sargo command tree.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	o := &RootOptions{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   streams,
	}
	cmd := &cobra.Command{
		Use:   "kubectl-ck8sargo",
		Short: "Work safely with the managed Argo CD of a compliant Kubernetes platform",
		Long: `kubectl ck8sargo checks manifests against the rules of the managed Argo CD platform,
sets up its secret backends and notifications, backs up a team's Argo CD objects and says
what is wrong with an environment.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl ck8sargo"},
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	// A bad flag is a usage error: exit 2 like every other bad input.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return UsageErrorf("%v; see '%s --help'", err, c.CommandPath())
	})
	// API warnings go to stderr once each, the way kubectl shows them.
	warnings := rest.NewWarningWriter(streams.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	o.ConfigFlags.WrapConfigFn = func(c *rest.Config) *rest.Config {
		c.WarningHandler = warnings
		return c
	}
	flags := cmd.PersistentFlags()
	o.ConfigFlags.AddFlags(flags)
	flags.StringVar(&o.ProfileFile, "profile", "", "platform profile file (default: .ck8sargo.yaml found from the working directory up)")

	cmd.AddCommand(
		NewCmdVersion(streams),
		NewCmdProfile(o),
		NewCmdSecrets(o),
		NewCmdNamespace(o),
		NewCmdPolicy(o),
		NewCmdAppset(o),
		NewCmdRender(o), NewCmdDiff(o),
		NewCmdNotify(o),
		NewCmdBackup(o),
		NewCmdDoctor(o),
		NewCmdGolive(o),
		NewCmdDocs(o),
	)
	// The completion command is added here rather than by Execute so that it is guarded
	// against unknown subcommands like every other group.
	cmd.InitDefaultCompletionCmd()
	refuseUnknownSubcommands(cmd)
	registerCompletions(o, cmd)
	return cmd
}

// refuseUnknownSubcommands makes every command group (a command with subcommands and no
// action of its own) fail with exit 2 on an argument that is not one of its subcommands.
// Cobra prints the group's help and exits 0 there, so a CI job with `policy chek .` would
// pass; only the root was checked, and its suggestion came out folded into
// "…; ; Did you mean this?; policy". Without arguments a group still prints its help.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	// A group's own Args (often cobra.NoArgs) is never checked by cobra, as the group has
	// no action; this replaces it with the check that is.
	c.Args = unknownSubcommand
	c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	c.DisableFlagsInUseLine = true
}

// unknownSubcommand is the Args check of a command group: any argument names a subcommand
// that does not exist.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := ""
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's own default, set only on its own path
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		for i := range s {
			s[i] = fmt.Sprintf("%q", s[i])
		}
		hint = "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return UsageErrorf("unknown command %q for %q%s; see '%s --help'", args[0], c.CommandPath(), hint, c.CommandPath())
}

// Clients builds API clients from the kubeconfig flags.
func (o *RootOptions) Clients() (*argocdmanaged.Clients, error) {
	return argocdmanaged.NewClients(o.ConfigFlags)
}

// Profile returns the effective profile: the built-in defaults, overlaid with --profile or
// the .ck8sargo.yaml found from the working directory up.
func (o *RootOptions) Profile() (argocdmanaged.Profile, error) {
	p := argocdmanaged.DefaultProfile()
	path := o.ProfileFile
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return p, err
		}
		if path, err = argocdmanaged.FindProfile(wd); err != nil || path == "" {
			return p, err
		}
		// Name the file as the user would: relative to where they are.
		if rel, err := filepath.Rel(wd, path); err == nil {
			path = rel
		}
	}
	return argocdmanaged.LoadProfileFile(path, p)
}

// DiscoveredProfile is Profile completed from the cluster; the warnings say which probes
// the user's rights did not allow.
func (o *RootOptions) DiscoveredProfile(ctx context.Context) (*argocdmanaged.Discovery, error) {
	p, err := o.Profile()
	if err != nil {
		return nil, err
	}
	c, err := o.Clients()
	if err != nil {
		return nil, err
	}
	d, err := argocdmanaged.Discover(ctx, c, p)
	if err != nil {
		return nil, fmt.Errorf("discovering the profile: %w", err)
	}
	return d, nil
}

// EffectiveProfile is Profile, completed from the cluster when discover is set (the
// --discover flag of several commands); what discovery could not see is printed as warnings.
func (o *RootOptions) EffectiveProfile(ctx context.Context, discover bool) (argocdmanaged.Profile, error) {
	if !discover {
		return o.Profile()
	}
	d, err := o.DiscoveredProfile(ctx)
	if err != nil {
		return argocdmanaged.Profile{}, err
	}
	printWarnings(o, d.Warnings)
	return d.Profile, nil
}
