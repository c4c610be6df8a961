package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/backup"
)

type backupVerifyOptions struct {
	genericiooptions.IOStreams
	root    *RootOptions
	from    string
	id      identityFlag
	require bool
	output  *outputFlag

	name string
	*backupSession
}

// NewCmdBackupVerify checks a backup completely.
func NewCmdBackupVerify(root *RootOptions) *cobra.Command {
	o := &backupVerifyOptions{IOStreams: root.IOStreams, root: root}
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
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	o.id.add(cmd)
	cmd.Flags().BoolVar(&o.require, "require-signature", false, requireSignatureHelp)
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete takes the backup name and loads the profile and the identity.
func (o *backupVerifyOptions) Complete(_ *cobra.Command, args []string) (err error) {
	if o.name, err = backupName(args); err != nil {
		return err
	}
	o.backupSession, err = completeBackupSession(o.root, backupNeeds{identity: &o.id, store: &o.from})
	return err
}

// Validate has nothing to check: -o is checked when it is parsed.
func (o *backupVerifyOptions) Validate() error {
	return nil
}

// Run verifies the whole backup and prints the verdict.
func (o *backupVerifyOptions) Run(ctx context.Context) error {
	st, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	progress := progressFor(o.root)
	res, err := backup.Verify(ctx, st, o.name, backup.VerifyOptions{Profile: o.profile, Identities: o.ids, RequireSignature: o.require, Progress: progress})
	endProgress(progress)
	if err != nil {
		return backupError(err)
	}
	if o.output.format != "text" {
		if err := printStructured(o.Out, o.output.format, res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(o.Out, "%s: archive intact, %d objects, every checksum matches\n", res.Name, res.Objects)
		switch {
		case res.Decrypted:
			fmt.Fprintln(o.Out, "Secrets: decrypted with the given identity")
		case res.Encrypted:
			fmt.Fprintln(o.Out, "Secrets: encrypted, NOT decrypted (pass --identity to check the key opens them)")
		default:
			fmt.Fprintln(o.Out, "Secrets: plaintext")
		}
		switch {
		case res.SignatureChecked:
			fmt.Fprintf(o.Out, "Signature: checked, made with the key of %s\n", res.SignedBy)
		case res.Signed:
			fmt.Fprintf(o.Out, "Signature: made with the key of %s, NOT checked (pass --identity with that key)\n", res.SignedBy)
		default:
			fmt.Fprintln(o.Out, "Signature: none (anyone with write access to the store could have written this backup)")
		}
		for _, pr := range res.Problems {
			fmt.Fprintf(o.Out, "problem: %s\n", pr)
		}
		if res.OK() {
			fmt.Fprintln(o.Out, "OK: a restore would accept this backup")
		}
	}
	if !res.OK() {
		return ProblemsFound()
	}
	return nil
}
