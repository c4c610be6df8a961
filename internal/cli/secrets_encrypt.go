package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

type secretsEncryptOptions struct {
	genericiooptions.IOStreams
	keys sopsKeyFlags
	fileArgs
	inPlace bool
	output  string
	pgp     []string
	age     []string
}

// NewCmdSecretsEncrypt encrypts files with sops, in process.
func NewCmdSecretsEncrypt(root *RootOptions) *cobra.Command {
	o := &secretsEncryptOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "encrypt FILE... [--in-place]",
		Short: "Encrypt values files with sops, for the recipients of .sops.yaml",
		Long: `encrypt does what 'sops --encrypt' does, in process: the nearest .sops.yaml (in the file's
directory or above) says whom to encrypt for and which values (encrypted_regex,
unencrypted_suffix, ...). YAML, JSON, dotenv and INI files are encrypted value by value,
other files whole. The result decrypts with the sops CLI and helm-secrets.

Age recipients need nothing more. For OpenPGP fingerprints, GnuPG's keyring is asked, as
sops does: 'secrets init --key public.asc' imported the key there. Otherwise give the
public key with --public-key (or the private key with --identity).

Without --in-place the encrypted file goes to standard output (one FILE), or to --output.`,
		Example: `  kubectl ck8sargo secrets encrypt --in-place secrets.yaml
  kubectl ck8sargo secrets encrypt --in-place --public-key keys/public.asc charts/*/secrets.yaml
  kubectl ck8sargo secrets encrypt secrets.yaml > secrets.enc.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.BoolVarP(&o.inPlace, "in-place", "i", false, "replace each file with its encrypted form")
	f.StringVar(&o.output, "output", "", "write the encrypted file here instead of standard output")
	f.StringArrayVar(&o.pgp, "pgp", nil, "encrypt for this OpenPGP fingerprint instead of .sops.yaml's keys (repeatable)")
	f.StringArrayVar(&o.age, "age", nil, "encrypt for this age recipient instead of .sops.yaml's keys (repeatable)")
	o.keys.addFlags(f, true)
	return cmd
}

// Validate checks where the results go.
func (o *secretsEncryptOptions) Validate() error {
	if !o.inPlace && len(o.files) > 1 {
		return UsageErrorf("several files need --in-place")
	}
	if o.inPlace && o.output != "" {
		return UsageErrorf("--in-place and --output exclude each other")
	}
	return nil
}

// Run loads the keys and encrypts each file.
func (o *secretsEncryptOptions) Run(ctx context.Context) error {
	c, err := o.keys.client()
	if err != nil {
		return err
	}
	c.PGP, c.Age = o.pgp, o.age
	for _, name := range o.files {
		data, mode, err := o.keys.read(name)
		if err != nil {
			return err
		}
		enc, err := c.Encrypt(ctx, name, data)
		if err != nil {
			return sopsError(err)
		}
		switch {
		case o.inPlace:
			if err := replaceFile(name, enc, mode); err != nil {
				return err
			}
			fmt.Fprintf(o.Out, "encrypted %s\n", name)
		case o.output != "":
			if err := atomicfile.Write(o.output, enc, 0o644); err != nil {
				return err
			}
		default:
			if _, err := o.Out.Write(enc); err != nil {
				return err
			}
		}
	}
	return nil
}
