package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/backup"
)

type backupRestoreOptions struct {
	root      *RootOptions
	from      string
	id        identityFlag
	dryRun    string
	only      []string
	overwrite bool
	prune     bool
	yes       bool
	require   bool
	finish    bool
	guardWait time.Duration
	output    string
}

// NewCmdBackupRestore applies a backup to the cluster.
func NewCmdBackupRestore(root *RootOptions) *cobra.Command {
	o := &backupRestoreOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := backupName(args)
			if err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd, name)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	o.id.add(cmd)
	cmd.Flags().BoolVar(&o.require, "require-signature", false, requireSignatureHelp)
	cmd.Flags().BoolVar(&o.finish, "finish", false, "only complete an interrupted restore of NAME: release the guards of its ApplicationSets")
	cmd.Flags().DurationVar(&o.guardWait, "guard-timeout", backup.DefaultGuardTimeout, "how long to wait for the Applications of guarded ApplicationSets")
	cmd.Flags().StringVar(&o.dryRun, "dry-run", "none", `"client": report what would be done without changing anything; "server": send the writes with dryRun`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "client"
	cmd.Flags().StringArrayVar(&o.only, "only", nil, "restore only KIND/NAME (such as application/shop); repeatable")
	cmd.Flags().BoolVar(&o.overwrite, "overwrite", false, "replace existing objects (server-side apply with force)")
	cmd.Flags().BoolVar(&o.prune, "prune", false, "delete in-scope objects that are not in the backup (asks first)")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "do not ask before pruning")
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	return cmd
}

func (o *backupRestoreOptions) Validate() error {
	switch o.dryRun {
	case "none", "":
		o.dryRun = backup.DryRunNone
	case backup.DryRunClient, backup.DryRunServer:
	default:
		return UsageErrorf("invalid --dry-run %q: use client or server", o.dryRun)
	}
	if o.prune && len(o.only) > 0 {
		return UsageErrorf("--prune cannot be combined with --only")
	}
	if o.finish && (o.prune || len(o.only) > 0 || o.overwrite || o.dryRun != backup.DryRunNone) {
		return UsageErrorf("--finish cannot be combined with --prune, --only, --overwrite or --dry-run")
	}
	if o.guardWait <= 0 {
		return UsageErrorf("--guard-timeout must be positive")
	}
	return validateOutput(o.output, "text", "json", "yaml")
}

func (o *backupRestoreOptions) Run(cmd *cobra.Command, name string) error {
	ctx := cmd.Context()
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	ids, err := o.id.load()
	if err != nil {
		return err
	}
	c, err := backupClients(o.root)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.from, p)
	if err != nil {
		return err
	}
	defer st.Close()
	progress := progressFor(o.root)
	restore := backup.Restore
	if o.finish {
		restore = backup.Finish
	}
	res, err := restore(ctx, c, st, name, backup.RestoreOptions{
		Profile: p, Identities: ids, RequireSignature: o.require, DryRun: o.dryRun, Only: o.only, Overwrite: o.overwrite,
		Prune: o.prune, Progress: progress, GuardTimeout: o.guardWait,
		ConfirmPrune: func(ctx context.Context, refs []string) (bool, error) {
			if o.yes {
				return true, nil
			}
			endProgress(progress)
			fmt.Fprintf(o.root.ErrOut, "--prune would delete %d objects not in the backup:\n", len(refs))
			for _, r := range refs {
				fmt.Fprintf(o.root.ErrOut, "  %s\n", r)
			}
			return confirm(o.root, fmt.Sprintf("delete these %d objects", len(refs)))
		},
	})
	endProgress(progress)
	if res == nil {
		return inputError(err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(o.root.ErrOut, "warning: %s\n", w)
	}
	if o.output != "text" {
		if perr := printStructured(o.root.Out, o.output, res); perr != nil {
			return perr
		}
	} else {
		for _, ob := range res.Objects {
			msg := ""
			if ob.Message != "" {
				msg = " (" + ob.Message + ")"
			}
			fmt.Fprintf(o.root.Out, "%s %s/%s%s\n", ob.Action, ob.Kind, ob.Name, msg)
		}
		dry := ""
		if o.dryRun != "" {
			dry = fmt.Sprintf(" [dry run: %s]", o.dryRun)
		}
		fmt.Fprintf(o.root.Out, "restored %s: %d created, %d updated, %d skipped, %d deleted, %d failed in %.1fs%s\n",
			res.Name, res.Created, res.Updated, res.Skipped, res.Deleted, res.Failed, res.Seconds, dry)
	}
	if errors.Is(err, backup.ErrRestoreFailed) {
		return ProblemsFound()
	}
	if errors.Is(err, backup.ErrGuardPending) {
		return fmt.Errorf("%s; then run `kubectl ck8sargo backup restore --finish %s`", strings.TrimSpace(err.Error()), name)
	}
	if err != nil {
		return fmt.Errorf("%s", strings.TrimSpace(err.Error()))
	}
	return nil
}
