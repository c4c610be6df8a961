package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/backup"
)

type backupRestoreOptions struct {
	genericiooptions.IOStreams
	root      *RootOptions
	from      string
	id        identityFlag
	dryRun    *dryRunFlag
	only      []string
	overwrite bool
	prune     bool
	yes       bool
	require   bool
	finish    bool
	guardWait time.Duration
	output    *outputFlag

	name string
	*backupSession
}

// NewCmdBackupRestore applies a backup to the cluster.
func NewCmdBackupRestore(root *RootOptions) *cobra.Command {
	o := &backupRestoreOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "restore NAME",
		Short: "Restore a backup: Secrets and ConfigMaps, AppProjects, Applications, then ApplicationSets",
		Long: `Verifies the whole backup first (integrity, checksums, decryption, scope): anything wrong
refuses the restore before a single object is applied. Then applies with server-side apply
(field manager kubectl-ck8sargo) in dependency order. Existing objects are left alone and
reported as skipped unless --overwrite. Restored Applications carry no operation, so nothing
syncs because of the restore. An ApplicationSet whose policy lets it delete apps (none,
sync or create-delete) comes back guarded with create-update and the annotation
backup.ck8sargo.io/applications-sync-guard; once the Applications it generated are present
(--guard-timeout), the restore puts its backed-up spec back and removes the annotation, so
the result equals the backup. --finish NAME completes a restore that stopped before that. --prune deletes in-scope objects
missing from the backup, removing Argo CD's resources finalizer first so that no workload is
deleted by cascade, after confirmation (or --yes). Running the same restore again after an
interruption finishes the job. The total time is the measured recovery time.`,
		Example: `  # rehearse: what would happen
  kubectl ck8sargo backup restore argocd-backup-20260101T020304Z --identity key.txt --dry-run=server

  # disaster recovery
  kubectl ck8sargo backup restore argocd-backup-20260101T020304Z --identity key.txt

  # undo a bad change to one AppProject
  kubectl ck8sargo backup restore argocd-backup-20260101T020304Z --only appproject/shop --overwrite -o json`,
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	o.id.add(cmd)
	cmd.Flags().BoolVar(&o.require, "require-signature", false, requireSignatureHelp)
	cmd.Flags().BoolVar(&o.finish, "finish", false, "only complete an interrupted restore of NAME: release the guards of its ApplicationSets")
	cmd.Flags().DurationVar(&o.guardWait, "guard-timeout", backup.DefaultGuardTimeout, "how long to wait for the Applications of guarded ApplicationSets")
	o.dryRun = addDryRun(cmd, `"client": report what would be done without changing anything; "server": send the writes with dryRun`, dryRunClient, dryRunServer)
	cmd.Flags().StringArrayVar(&o.only, "only", nil, "restore only KIND/NAME (such as application/shop); repeatable")
	cmd.Flags().BoolVar(&o.overwrite, "overwrite", false, "replace existing objects (server-side apply with force)")
	cmd.Flags().BoolVar(&o.prune, "prune", false, "delete in-scope objects that are not in the backup (asks first)")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "do not ask before pruning")
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete takes the backup name and loads the profile and the identity, and makes the
// clients.
func (o *backupRestoreOptions) Complete(_ *cobra.Command, args []string) (err error) {
	if o.name, err = backupName(args); err != nil {
		return err
	}
	o.backupSession, err = completeBackupSession(o.root, backupNeeds{identity: &o.id, store: &o.from, clients: true})
	return err
}

// Validate refuses flag combinations a restore cannot honour.
func (o *backupRestoreOptions) Validate() error {
	if o.finish && (o.prune || len(o.only) > 0 || o.overwrite || o.dryRun.enabled()) {
		return UsageErrorf("--finish cannot be combined with --prune, --only, --overwrite or --dry-run")
	}
	if o.guardWait <= 0 {
		return UsageErrorf("--guard-timeout must be positive")
	}
	if err := restoreValidate(o.options(nil)); err != nil {
		return err
	}
	return nil
}

// options are the library's restore options of the flags.
func (o *backupRestoreOptions) options(progress backup.Progress) backup.RestoreOptions {
	opts := backup.RestoreOptions{
		RequireSignature: o.require, DryRun: o.dryRun.value(), Only: o.only, Overwrite: o.overwrite,
		Prune: o.prune, Progress: progress, GuardTimeout: o.guardWait,
		ConfirmPrune: func(ctx context.Context, refs []string) (bool, error) {
			if o.yes {
				return true, nil
			}
			endProgress(progress)
			fmt.Fprintf(o.ErrOut, "--prune would delete %d objects not in the backup:\n", len(refs))
			for _, r := range refs {
				fmt.Fprintf(o.ErrOut, "  %s\n", r)
			}
			return confirm(o.root, fmt.Sprintf("delete these %d objects", len(refs)))
		},
	}
	if o.backupSession != nil {
		opts.Profile, opts.Identities = o.profile, o.ids
	}
	return opts
}

// Run restores (or finishes a restore) and prints what happened to each object.
func (o *backupRestoreOptions) Run(ctx context.Context) error {
	st, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	progress := progressFor(o.root)
	restore := backup.Restore
	if o.finish {
		restore = backup.Finish
	}
	res, err := restore(ctx, o.clients, st, o.name, o.options(progress))
	endProgress(progress)
	if res == nil {
		return backupError(err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(o.ErrOut, "warning: %s\n", w)
	}
	for i := range res.Objects {
		res.Objects[i].Message = skippedMessage(res.Objects[i].Message)
	}
	if o.output.format != "text" {
		if perr := printStructured(o.Out, o.output.format, res); perr != nil {
			return perr
		}
	} else {
		for _, ob := range res.Objects {
			msg := ""
			if ob.Message != "" {
				msg = " (" + ob.Message + ")"
			}
			fmt.Fprintf(o.Out, "%s %s/%s%s\n", ob.Action, ob.Kind, ob.Name, msg)
		}
		dry := ""
		if o.dryRun.enabled() {
			dry = fmt.Sprintf(" [dry run: %s]", o.dryRun)
		}
		fmt.Fprintf(o.Out, "restored %s: %d created, %d updated, %d skipped, %d deleted, %d failed in %.1fs%s\n",
			res.Name, res.Created, res.Updated, res.Skipped, res.Deleted, res.Failed, res.Seconds, dry)
	}
	if errors.Is(err, backup.ErrRestoreFailed) {
		return ProblemsFound()
	}
	if errors.Is(err, backup.ErrGuardPending) {
		return fmt.Errorf("%w; then run `kubectl ck8sargo backup restore --finish %s`", err, o.name)
	}
	if err != nil {
		return backupError(err)
	}
	return nil
}
