package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/backup"
)

type backupVerifyOptions struct {
	root    *RootOptions
	from    string
	id      identityFlag
	require bool
	output  string
}

// NewCmdBackupVerify checks a backup completely.
func NewCmdBackupVerify(root *RootOptions) *cobra.Command {
	o := &backupVerifyOptions{root: root}
	cmd := &cobra.Command{
		Use:   "verify NAME",
		Short: "Check a backup: archive integrity, every checksum, decryption, and that every object parses and is in scope",
		Long: `Reads the whole archive. Exit 0 when a restore would accept it, 1 when objects are out of
scope or do not parse, 2 when the archive is corrupt, a checksum is wrong, it is of another
format version, the identity does not open its Secrets, the archive is not the one of NAME
or differs from the manifest stored beside it, or its signature does not verify. Without
--identity (or SOPS_AGE_KEY_FILE) encrypted Secrets are checked for integrity only and a
signature is not checked; --require-signature refuses an unsigned backup and one whose
signature the identity does not check.`,
		Example: `  kubectl ck8sargo backup verify argocd-backup-20260101T020304Z --identity key.txt
  SOPS_AGE_KEY_FILE=key.txt kubectl ck8sargo backup verify argocd-backup-20260101T020304Z -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := backupName(args)
			if err != nil {
				return err
			}
			if err := validateOutput(o.output, "text", "json", "yaml"); err != nil {
				return err
			}
			return o.Run(cmd, name)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	o.id.add(cmd)
	cmd.Flags().BoolVar(&o.require, "require-signature", false, requireSignatureHelp)
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	return cmd
}

func (o *backupVerifyOptions) Run(cmd *cobra.Command, name string) error {
	ctx := cmd.Context()
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	ids, err := o.id.load()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.from, p)
	if err != nil {
		return err
	}
	defer st.Close()
	progress := progressFor(o.root)
	res, err := backup.Verify(ctx, st, name, backup.VerifyOptions{Profile: p, Identities: ids, RequireSignature: o.require, Progress: progress})
	endProgress(progress)
	if err != nil {
		return inputError(err)
	}
	if o.output != "text" {
		if err := printStructured(o.root.Out, o.output, res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(o.root.Out, "%s: archive intact, %d objects, every checksum matches\n", res.Name, res.Objects)
		switch {
		case res.Decrypted:
			fmt.Fprintln(o.root.Out, "Secrets: decrypted with the given identity")
		case res.Encrypted:
			fmt.Fprintln(o.root.Out, "Secrets: encrypted, NOT decrypted (pass --identity to check the key opens them)")
		default:
			fmt.Fprintln(o.root.Out, "Secrets: plaintext")
		}
		switch {
		case res.SignatureChecked:
			fmt.Fprintf(o.root.Out, "Signature: checked, made with the key of %s\n", res.SignedBy)
		case res.Signed:
			fmt.Fprintf(o.root.Out, "Signature: made with the key of %s, NOT checked (pass --identity with that key)\n", res.SignedBy)
		default:
			fmt.Fprintln(o.root.Out, "Signature: none (anyone with write access to the store could have written this backup)")
		}
		for _, pr := range res.Problems {
			fmt.Fprintf(o.root.Out, "problem: %s\n", pr)
		}
		if res.OK() {
			fmt.Fprintln(o.root.Out, "OK: a restore would accept this backup")
		}
	}
	if !res.OK() {
		return ProblemsFound()
	}
	return nil
}
