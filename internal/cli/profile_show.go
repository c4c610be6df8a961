package cli

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

type profileShowOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	output *outputFlag

	profile argocdmanaged.Profile
}

// NewCmdProfileShow prints the effective profile with the source of each value.
func NewCmdProfileShow(root *RootOptions) *cobra.Command {
	o := &profileShowOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective profile and where each value comes from",
		Example: `  kubectl ck8sargo profile show
  kubectl ck8sargo profile show --profile ci/.ck8sargo.yaml -o json`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, profileOutputHelp, "text", profileFormats...)
	return cmd
}

// Complete loads the profile.
func (o *profileShowOptions) Complete(*cobra.Command, []string) (err error) {
	o.profile, err = o.root.Profile()
	return argocdmanagedError(err)
}

// Validate has nothing to check: -o is checked when it is parsed.
func (o *profileShowOptions) Validate() error { return nil }

// Run prints the profile.
func (o *profileShowOptions) Run(context.Context) error {
	return printProfile(o.Out, o.output.format, &o.profile)
}
