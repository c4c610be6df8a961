package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
)

type profileDiscoverOptions struct {
	genericiooptions.IOStreams
	root          *RootOptions
	output        *outputFlag
	admission     bool
	admissionFile string

	source profileSource
}

// NewCmdProfileDiscover prints the profile completed from the cluster.
func NewCmdProfileDiscover(root *RootOptions) *cobra.Command {
	o := &profileDiscoverOptions{IOStreams: root.IOStreams, root: root}
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
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, profileOutputHelp, "text", profileFormats...)
	cmd.Flags().BoolVar(&o.admission, "admission", false, "also write the cluster's Gatekeeper mutators, ConstraintTemplates and Constraints to --admission-file")
	cmd.Flags().StringVar(&o.admissionFile, "admission-file", admission.SnapshotFile, "where --admission writes the snapshot that policy check reads")
	return cmd
}

// Complete loads the profile and makes the clients.
func (o *profileDiscoverOptions) Complete(*cobra.Command, []string) (err error) {
	o.source, err = completeProfileSource(o.root, true)
	return err
}

// Validate has nothing to check: -o is checked when it is parsed.
func (o *profileDiscoverOptions) Validate() error { return nil }

// Run discovers the profile, writes the admission snapshot if asked, and prints the
// profile.
func (o *profileDiscoverOptions) Run(ctx context.Context) error {
	d, err := discoverProfile(ctx, o.source.clients, o.source.profile)
	if err != nil {
		return err
	}
	writeWarnings(o.ErrOut, d.Warnings)
	if o.admission {
		if err := o.snapshot(ctx, o.source.clients); err != nil {
			return err
		}
	}
	if o.output.is("json") {
		return printStructured(o.Out, "json", profileOutput{Profile: d.Profile, Fields: d.Profile.Fields(), Warnings: d.Warnings})
	}
	return printProfile(o.Out, o.output.format, &d.Profile)
}

// snapshot writes the cluster's admission policies as a List, in a stable order.
func (o *profileDiscoverOptions) snapshot(ctx context.Context, cl *argocdmanaged.Clients) error {
	pols, warnings, err := admission.Discover(ctx, cl)
	if err != nil {
		return fmt.Errorf("reading the admission policies: %w", err)
	}
	for _, w := range warnings {
		fmt.Fprintf(o.ErrOut, "warning: the snapshot leaves out what cannot be read: %s\n", oneline.Lines(w.Error()))
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
	fmt.Fprintf(o.ErrOut, "wrote %s: %d admission policies\n", o.admissionFile, len(pols.Objects))
	return nil
}
