package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

type secretsEncryptOptions struct {
	root    *RootOptions
	keys    sopsKeyFlags
	inPlace bool
	output  string
	pgp     []string
	age     []string
}

// NewCmdSecretsEncrypt encrypts files with sops, in process.
func NewCmdSecretsEncrypt(root *RootOptions) *cobra.Command {
	o := &secretsEncryptOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if !o.inPlace && len(args) > 1 {
				return UsageErrorf("several files need --in-place")
			}
			if o.inPlace && o.output != "" {
				return UsageErrorf("--in-place and --output exclude each other")
			}
			return o.Run(cmd.Context(), args)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.inPlace, "in-place", "i", false, "replace each file with its encrypted form")
	f.StringVar(&o.output, "output", "", "write the encrypted file here instead of standard output")
	f.StringArrayVar(&o.pgp, "pgp", nil, "encrypt for this OpenPGP fingerprint instead of .sops.yaml's keys (repeatable)")
	f.StringArrayVar(&o.age, "age", nil, "encrypt for this age recipient instead of .sops.yaml's keys (repeatable)")
	o.keys.addFlags(f, true)
	return cmd
}

func (o *secretsEncryptOptions) Run(ctx context.Context, files []string) error {
	c, err := o.keys.client()
	if err != nil {
		return err
	}
	c.PGP, c.Age = o.pgp, o.age
	for _, name := range files {
		data, mode, err := o.keys.read(name)
		if err != nil {
			return err
		}
		enc, err := c.Encrypt(ctx, name, data)
		if err != nil {
			return err
		}
		switch {
		case o.inPlace:
			if err := replaceFile(name, enc, mode); err != nil {
				return err
			}
			fmt.Fprintf(o.root.Out, "encrypted %s\n", name)
		case o.output != "":
			if err := atomicfile.Write(o.output, enc, 0o644); err != nil {
				return err
			}
		default:
			if _, err := o.root.Out.Write(enc); err != nil {
				return err
			}
		}
	}
	return nil
}

type secretsDecryptOptions struct {
	root   *RootOptions
	keys   sopsKeyFlags
	output string
}

// NewCmdSecretsDecrypt decrypts a sops file, in process.
func NewCmdSecretsDecrypt(root *RootOptions) *cobra.Command {
	o := &secretsDecryptOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.Run(cmd.Context(), args[0])
		},
	}
	cmd.Flags().StringVar(&o.output, "output", "", "write the plaintext to this file (0600) instead of standard output")
	o.keys.addFlags(cmd.Flags(), false)
	return cmd
}

func (o *secretsDecryptOptions) Run(ctx context.Context, name string) error {
	c, err := o.keys.client()
	if err != nil {
		return err
	}
	data, _, err := o.keys.read(name)
	if err != nil {
		return err
	}
	plain, err := c.Decrypt(ctx, name, data)
	if err != nil {
		return err
	}
	if o.output != "" {
		return atomicfile.Write(o.output, plain, 0o600)
	}
	_, err = o.root.Out.Write(plain)
	return err
}
