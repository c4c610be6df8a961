package cli

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

type secretsDecryptOptions struct {
	genericiooptions.IOStreams
	keys   sopsKeyFlags
	file   string
	output string
}

// NewCmdSecretsDecrypt decrypts a sops file, in process.
func NewCmdSecretsDecrypt(root *RootOptions) *cobra.Command {
	o := &secretsDecryptOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "decrypt FILE [--output FILE]",
		Short: "Decrypt a sops file to standard output or a 0600 file",
		Long: `decrypt does what 'sops --decrypt' does, in process, after checking the file's MAC. The
plaintext goes to standard output, or to --output (written 0600, atomically). It is the only
command that prints secret values.

Keys: --identity FILE (repeatable), else SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, sops' default age
key file and the GnuPG home, as sops reads them. A wrong key, a MAC mismatch or a damaged
file is a one-line error with exit code 2; the file is never changed.`,
		Example: `  kubectl ck8sargo secrets decrypt secrets.yaml --identity keys/key.txt
  kubectl ck8sargo secrets decrypt secrets.yaml --output /tmp/secrets.plain.yaml
  SOPS_AGE_KEY_FILE=keys/key.txt kubectl ck8sargo secrets decrypt secrets.yaml | yq .db`,
		Args: cobra.ExactArgs(1),
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.output, "output", "", "write the plaintext to this file (0600) instead of standard output")
	o.keys.addFlags(cmd.Flags(), false)
	return cmd
}

// Complete takes the file.
func (o *secretsDecryptOptions) Complete(_ *cobra.Command, args []string) error {
	o.file = args[0]
	return nil
}

// Validate has nothing to check: the key flags are checked when the keys are loaded.
func (o *secretsDecryptOptions) Validate() error { return nil }

// Run loads the keys, decrypts the file and writes the plaintext.
func (o *secretsDecryptOptions) Run(ctx context.Context) error {
	c, err := o.keys.client()
	if err != nil {
		return err
	}
	data, _, err := o.keys.read(o.file)
	if err != nil {
		return err
	}
	plain, err := c.Decrypt(ctx, o.file, data)
	if err != nil {
		return sopsError(err)
	}
	if o.output != "" {
		return atomicfile.Write(o.output, plain, 0o600)
	}
	_, err = o.Out.Write(plain)
	return err
}
