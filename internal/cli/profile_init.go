package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

type profileInitOptions struct {
	genericiooptions.IOStreams
	root     *RootOptions
	file     string
	force    bool
	discover bool

	exists bool
	source profileSource
}

// NewCmdProfileInit writes a profile file.
func NewCmdProfileInit(root *RootOptions) *cobra.Command {
	o := &profileInitOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write .ck8sargo.yaml with the effective profile",
		Example: `  # write the built-in defaults, then edit the file
  kubectl ck8sargo profile init

  # fill in managed namespaces and features from the cluster
  kubectl ck8sargo profile init --discover --force`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.file, "file", argocdmanaged.ProfileFileName, "file to write")
	cmd.Flags().BoolVar(&o.force, "force", false, "overwrite an existing file")
	cmd.Flags().BoolVar(&o.discover, "discover", false, "complete the profile from the cluster first")
	return cmd
}

// Complete looks whether the file exists, then loads the profile (and makes the clients
// for --discover).
func (o *profileInitOptions) Complete(*cobra.Command, []string) (err error) {
	if _, err := os.Stat(o.file); err == nil {
		o.exists = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if o.exists && !o.force {
		// Validate refuses; the file in the way may be a profile that does not load.
		return nil
	}
	o.source, err = completeProfileSource(o.root, o.discover)
	return err
}

// Validate refuses to overwrite a file without --force.
func (o *profileInitOptions) Validate() error {
	if o.exists && !o.force {
		return UsageErrorf("%s already exists; pass --force to overwrite it", o.file)
	}
	return nil
}

// Run writes the effective profile.
func (o *profileInitOptions) Run(ctx context.Context) error {
	p, err := o.source.effective(ctx, o.ErrOut)
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
	_, err = fmt.Fprintf(o.Out, "wrote %s\n", o.file)
	return err
}
