package cli

import (
	"context"
	"fmt"

	"filippo.io/age"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
)

type backupExportOptions struct {
	genericiooptions.IOStreams
	root       *RootOptions
	to         string
	recipients []string
	plaintext  bool
	id         identityFlag
	output     *outputFlag
	signer     *age.X25519Identity // set by Validate

	*backupSession
}

// NewCmdBackupExport writes one backup of the Argo CD objects in scope.
func NewCmdBackupExport(root *RootOptions) *cobra.Command {
	o := &backupExportOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a backup of the team's Argo CD objects to a store",
		Long: `Reads every object in scope, cleans it (drops status, operation, uid, resourceVersion,
generation, creationTimestamp, managedFields, ownerReferences and the last-applied
annotation) and writes one archive named argocd-backup-<UTC time>. Secret data is encrypted
to the age recipients of --encrypt-to or the profile's backup.recipients; without recipients
the export refuses unless --include-plaintext-secrets.

With the team's age identity (--identity or SOPS_AGE_KEY_FILE) whose public key is one of
the recipients, the manifest is signed with an HMAC keyed from it, so that verify and
restore --require-signature can tell that a holder of the team's key wrote the backup. An
--identity file with no such key is refused (exit 2); a SOPS_AGE_KEY_FILE with none gives
an unsigned backup and a warning.`,
		Example: `  # to the default directory, Secrets encrypted to a team key
  kubectl ck8sargo backup export --encrypt-to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p

  # to an S3-compatible store; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
  kubectl ck8sargo backup export --to 's3://backups?endpoint=https://s3.example.com&use_path_style=true&region=eu-north-1' -o json`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.to, "to", "", storeFlagHelp)
	cmd.Flags().StringArrayVar(&o.recipients, "encrypt-to", nil, "age recipient (age1...) to encrypt Secret data to; repeatable (default: the profile's backup.recipients)")
	cmd.Flags().BoolVar(&o.plaintext, "include-plaintext-secrets", false, "allow writing Secret data unencrypted when there are no recipients")
	o.id.addWithHelp(cmd, "age identity file (age-keygen format) to sign the backup with; its public key must be one of the recipients; default $SOPS_AGE_KEY_FILE")
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete loads the profile and the identity and makes the clients.
func (o *backupExportOptions) Complete(_ *cobra.Command, _ []string) (err error) {
	o.backupSession, err = completeBackupSession(o.root, backupNeeds{identity: &o.id, store: &o.to, clients: true})
	return err
}

// Validate checks the recipients and picks the signing identity. A key passed with
// --identity that cannot sign is refused, since the user asked for a signature; one found
// through SOPS_AGE_KEY_FILE only earns a warning in Run, since that file often holds a
// sops key that was never meant for backups.
func (o *backupExportOptions) Validate() error {
	if _, err := backup.ParseRecipients(o.recipients); err != nil {
		return UsageErrorf("%w", err)
	}
	recipients := o.recipients
	if len(recipients) == 0 {
		recipients = o.profile.Backup.Recipients
	}
	o.signer = archive.SigningIdentity(o.ids, recipients)
	if o.signer == nil && o.id.file != "" {
		return UsageErrorf("cannot sign the backup: no key in %s is one of its recipients; add the key's public key with --encrypt-to, or leave out --identity for an unsigned backup", o.id.file)
	}
	return nil
}

// Run exports and prints what was written.
func (o *backupExportOptions) Run(ctx context.Context) error {
	if o.signer == nil && len(o.ids) > 0 {
		fmt.Fprintln(o.ErrOut, "warning: the backup is not signed: no identity in SOPS_AGE_KEY_FILE is one of the recipients")
	}
	st, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	progress := progressFor(o.root)
	res, err := backup.Export(ctx, o.clients, st, backup.ExportOptions{
		Profile: o.profile, Recipients: o.recipients, IncludePlaintextSecrets: o.plaintext, Sign: o.signer, Progress: progress,
	})
	endProgress(progress)
	if err != nil {
		return backupError(err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(o.ErrOut, "warning: %s\n", w)
	}
	if o.output.format != "text" {
		return printStructured(o.Out, o.output.format, res)
	}
	enc := "Secrets encrypted with age"
	if !res.Encrypted {
		enc = "Secrets in PLAINTEXT"
	}
	if res.SignedBy != "" {
		enc += ", signed with the key of " + res.SignedBy
	} else {
		enc += ", not signed"
	}
	fmt.Fprintf(o.Out, "exported %d objects to %s in %s (%s, %.1fs)\n", res.Objects, res.Name, res.URL, enc, res.Seconds)
	for _, k := range backupKinds() {
		if n := res.Counts[k]; n > 0 {
			fmt.Fprintf(o.Out, "  %-15s %d\n", k, n)
		}
	}
	if len(res.Excluded) > 0 {
		fmt.Fprintf(o.Out, "left out %d objects labelled or placed out of scope\n", len(res.Excluded))
	}
	return nil
}
