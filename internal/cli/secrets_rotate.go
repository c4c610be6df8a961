package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

type secretsRotateOptions struct {
	genericiooptions.IOStreams
	keys sopsKeyFlags
	fileArgs
}

// NewCmdSecretsRotate re-encrypts files with a new data key.
func NewCmdSecretsRotate(root *RootOptions) *cobra.Command {
	o := &secretsRotateOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "rotate FILE...",
		Short: "Re-encrypt files with a new data key",
		Long: `rotate does what 'sops rotate --in-place' does: each file is decrypted (its MAC checked),
and encrypted again with a fresh data key for the same recipients. Do it after removing a
recipient that may have kept a copy of the old data key. Every file is tried; the exit code
is 2 when any failed.`,
		Example: `  kubectl ck8sargo secrets updatekeys --identity keys/private.asc secrets.yaml
  kubectl ck8sargo secrets rotate --identity keys/private.asc secrets.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: runCommand(o),
	}
	o.keys.addFlags(cmd.Flags(), true)
	return cmd
}

// Run gives each file a new data key, trying every file.
func (o *secretsRotateOptions) Run(ctx context.Context) error {
	c, err := o.keys.client()
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range o.files {
		if err := rotateOne(ctx, c, &o.keys, name); err != nil {
			fmt.Fprintf(o.Out, "%s: failed\n", name)
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(o.Out, "%s: new data key\n", name)
	}
	return joinFileErrors(errs)
}

// rotateOne rotates one file in place.
func rotateOne(ctx context.Context, c *sops.Client, k *sopsKeyFlags, name string) error {
	data, mode, err := k.read(name)
	if err != nil {
		return err
	}
	out, err := c.Rotate(ctx, name, data)
	if err != nil {
		return sopsError(err)
	}
	if len(out) == 0 {
		return errors.New("empty result")
	}
	return replaceFile(name, out, mode)
}
