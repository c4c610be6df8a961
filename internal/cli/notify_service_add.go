package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/notify"
)

// NewCmdNotifyServiceAdd adds a service of one of the engine's types.
func NewCmdNotifyServiceAdd(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add TYPE",
		Short: "Add a notification service; credentials go into the notifications Secret",
		Long: `Writes service.<type>[.<name>] into the notifications ConfigMap with $key references, and the
credentials (read from files, never from flags) into the notifications Secret under those
keys, as the exact bytes: one final line break in a file is dropped, any other is refused.`,
		Example: `  kubectl ck8sargo notify service add email --host smtp.gmail.com --port 465 \
      --username sender@example.com --password-file app-password.txt
  kubectl ck8sargo notify service add slack --token-file slack-bot-token.txt`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		NewCmdNotifyServiceAddEmail(root),
		NewCmdNotifyServiceAddSlack(root),
		NewCmdNotifyServiceAddWebhook(root),
	)
	cmd.AddCommand(keyedServiceCmds(root)...)
	cmd.AddCommand(tokenServiceCmds(root)...)
	cmd.AddCommand(
		NewCmdNotifyServiceAddAlertmanager(root),
		NewCmdNotifyServiceAddGitHub(root),
	)
	cmd.AddCommand(fieldServiceCmds(root)...)
	return cmd
}

// serviceBuilder is what one `notify service add TYPE` adds to the options every type
// shares: its flags, the credential files it reads, and the library call that builds the
// service.
type serviceBuilder interface {
	// addFlags registers the type's flags.
	addFlags(f *pflag.FlagSet)
	// read reads the credential files the flags name ("-" is in).
	read(in io.Reader) error
	// build makes the service spec from what the flags and files gave; it does no I/O.
	build(name string) (notify.ServiceSpec, error)
	// flag is the flag that sets an option of the library's options (notify.OptionError
	// names the options).
	flag(option string) string
}

// notifyServiceAddOptions are the options every `service add TYPE` shares.
type notifyServiceAddOptions struct {
	genericiooptions.IOStreams
	root    *RootOptions
	name    string
	force   bool
	write   writeFlags
	builder serviceBuilder
	profile argocdmanaged.Profile

	spec notify.ServiceSpec
}

// newServiceAddCmd is `service add TYPE` for the builder b of the type.
func newServiceAddCmd(root *RootOptions, use, short, example string, b serviceBuilder) *cobra.Command {
	o := &notifyServiceAddOptions{IOStreams: root.IOStreams, root: root, builder: b}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    cobra.NoArgs,
		RunE:    runCommand(o),
	}
	cmd.Flags().StringVar(&o.name, "name", "", "service name for subscriptions (default: the type); the key becomes service.<type>.<name>")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace an existing service and Secret keys of the same name")
	o.write = addWriteFlags(cmd)
	b.addFlags(cmd.Flags())
	return cmd
}

// Complete reads the credential files and the profile.
func (o *notifyServiceAddOptions) Complete(_ *cobra.Command, _ []string) (err error) {
	if err := o.builder.read(o.In); err != nil {
		return err
	}
	o.profile, err = o.root.Profile()
	return err
}

// Validate builds the service from the flags: a missing or malformed option is a usage
// error naming its flag.
func (o *notifyServiceAddOptions) Validate() error {
	spec, err := o.builder.build(o.name)
	if err != nil {
		return UsageErrorf("%w", &rewordedError{msg: oneline.Lines(flagMessage(err, o.builder.flag)), err: err})
	}
	o.spec = spec
	return nil
}

// Run adds the service to the live configuration and writes it.
func (o *notifyServiceAddOptions) Run(ctx context.Context) error {
	cfg, c, err := loadLive(ctx, o.root, o.profile)
	if err != nil {
		return err
	}
	if err := cfg.AddService(o.spec, o.force); err != nil {
		return UsageErrorf("%w", addServiceHint(err))
	}
	for _, w := range o.spec.Warnings {
		fmt.Fprintf(o.ErrOut, "note: %s\n", w)
	}
	if !o.write.printsObjects() {
		keys := sortedKeys(o.spec.Secrets)
		fmt.Fprintf(o.Out, "service %q as %s", o.spec.ServiceName(), o.spec.Key())
		if len(keys) > 0 {
			fmt.Fprintf(o.Out, ", credentials in Secret %s keys %s", cfg.SecretName, strings.Join(keys, ", "))
		}
		fmt.Fprintln(o.Out)
	}
	return applyConfig(ctx, o.Out, c, cfg, &o.write)
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// optionFlags maps the options of a library options struct to the flags that set them.
type optionFlags map[string]string

// flag is the flag of option, or the option itself when no flag sets it.
func (f optionFlags) flag(option string) string {
	if name, ok := f[option]; ok {
		return name
	}
	return option
}
