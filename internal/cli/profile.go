package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

// NewCmdProfile groups the commands that show and write the platform profile.
func NewCmdProfile(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Show, discover and write the platform profile (.ck8sargo.yaml)",
		Long: `The profile holds the facts of the managed Argo CD environment: the Argo CD namespace,
the namespaces Applications may deploy into, the platform's own namespaces, the enabled
secret backends and the names of the platform's Secrets and ConfigMaps. Every command reads
it from the built-in defaults, then .ck8sargo.yaml (found from the working directory up) or
--profile FILE.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdProfileShow(root), NewCmdProfileInit(root), NewCmdProfileDiscover(root))
	return cmd
}

type profileShowOptions struct {
	root   *RootOptions
	output string
}

// NewCmdProfileShow prints the effective profile with the source of each value.
func NewCmdProfileShow(root *RootOptions) *cobra.Command {
	o := &profileShowOptions{root: root}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective profile and where each value comes from",
		Example: `  kubectl ck8sargo profile show
  kubectl ck8sargo profile show --profile ci/.ck8sargo.yaml -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validateOutput(o.output, "text", "yaml", "json"); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, yaml or json")
	return cmd
}

func (o *profileShowOptions) Run() error {
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	return printProfile(o.root, o.output, &p)
}

// profileOutput is the JSON form of a profile with its sources.
type profileOutput struct {
	Profile  argocdmanaged.Profile        `json:"profile"`
	Fields   []argocdmanaged.ProfileField `json:"fields"`
	Warnings []string                     `json:"warnings,omitempty"`
}

func printProfile(root *RootOptions, format string, p *argocdmanaged.Profile) error {
	switch format {
	case "yaml":
		data, err := argocdmanaged.MarshalProfile(*p)
		if err != nil {
			return err
		}
		_, err = root.Out.Write(data)
		return err
	case "json":
		return printStructured(root.Out, "json", profileOutput{Profile: *p, Fields: p.Fields()})
	}
	tw := tabwriter.NewWriter(root.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tVALUE\tSOURCE")
	for _, f := range p.Fields() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Path, shorten(f.Value, 60), f.Source)
	}
	return tw.Flush()
}

type profileInitOptions struct {
	root     *RootOptions
	file     string
	force    bool
	discover bool
}

// NewCmdProfileInit writes a profile file.
func NewCmdProfileInit(root *RootOptions) *cobra.Command {
	o := &profileInitOptions{root: root}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write .ck8sargo.yaml with the effective profile",
		Example: `  # write the built-in defaults, then edit the file
  kubectl ck8sargo profile init

  # fill in managed namespaces and features from the cluster
  kubectl ck8sargo profile init --discover --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.Run(cmd)
		},
	}
	cmd.Flags().StringVar(&o.file, "file", argocdmanaged.ProfileFileName, "file to write")
	cmd.Flags().BoolVar(&o.force, "force", false, "overwrite an existing file")
	cmd.Flags().BoolVar(&o.discover, "discover", false, "complete the profile from the cluster first")
	return cmd
}

func (o *profileInitOptions) Run(cmd *cobra.Command) error {
	if _, err := os.Stat(o.file); err == nil && !o.force {
		return UsageErrorf("%s already exists; pass --force to overwrite it", o.file)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	p, err := o.root.EffectiveProfile(cmd.Context(), o.discover)
	if err != nil {
		return err
	}
	data, err := argocdmanaged.MarshalProfile(p)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(o.file, data, 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.root.Out, "wrote %s\n", o.file)
	return err
}

type profileDiscoverOptions struct {
	root          *RootOptions
	output        string
	admission     bool
	admissionFile string
}

// NewCmdProfileDiscover prints the profile completed from the cluster.
func NewCmdProfileDiscover(root *RootOptions) *cobra.Command {
	o := &profileDiscoverOptions{root: root}
	cmd := &cobra.Command{
		Use:   "discover",
		Short: "Print the profile completed from the live cluster",
		Long: `Reads the managed namespaces from Argo CD's cluster Secret, the platform namespaces from
their owner=operator label, and which secret backends are set up from their Secrets and the
sealed-secrets controller Service. What your rights do not let it see is listed as a warning.`,
		Example: `  kubectl ck8sargo profile discover
  kubectl ck8sargo profile discover --context prod -o yaml > .ck8sargo.yaml
  # also snapshot the admission policies, for policy check offline (pre-commit, CI)
  kubectl ck8sargo profile discover --admission`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validateOutput(o.output, "text", "yaml", "json"); err != nil {
				return err
			}
			d, err := o.root.DiscoveredProfile(cmd.Context())
			if err != nil {
				return err
			}
			printWarnings(o.root, d.Warnings)
			if o.admission {
				if err := o.snapshot(cmd.Context()); err != nil {
					return err
				}
			}
			if o.output == "json" {
				return printStructured(o.root.Out, "json", profileOutput{Profile: d.Profile, Fields: d.Profile.Fields(), Warnings: d.Warnings})
			}
			return printProfile(o.root, o.output, &d.Profile)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, yaml or json")
	cmd.Flags().BoolVar(&o.admission, "admission", false, "also write the cluster's Gatekeeper mutators, ConstraintTemplates and Constraints to --admission-file")
	cmd.Flags().StringVar(&o.admissionFile, "admission-file", admission.SnapshotFile, "where --admission writes the snapshot that policy check reads")
	return cmd
}

// snapshot writes the cluster's admission policies as a List, in a stable order.
func (o *profileDiscoverOptions) snapshot(ctx context.Context) error {
	cl, err := o.root.Clients()
	if err != nil {
		return err
	}
	pols, warnings, err := admission.Discover(ctx, cl)
	if err != nil {
		return fmt.Errorf("reading the admission policies: %w", err)
	}
	for _, w := range warnings {
		fmt.Fprintf(o.root.ErrOut, "warning: the snapshot leaves out what cannot be read: %s\n", oneLine(w.Error()))
	}
	data, err := pols.MarshalList()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.admissionFile), 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(o.admissionFile, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(o.root.ErrOut, "wrote %s: %d admission policies\n", o.admissionFile, len(pols.Objects))
	return nil
}

func printWarnings(root *RootOptions, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(root.ErrOut, "warning: %s\n", oneLine(w))
	}
}

// shorten keeps a table readable: a long list is cut, with the full value left to -o yaml.
func shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}
