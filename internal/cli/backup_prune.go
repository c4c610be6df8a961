package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/backup"
)

type backupPruneOptions struct {
	genericiooptions.IOStreams
	root     *RootOptions
	from     string
	keep     time.Duration
	keepLast int
	dryRun   *dryRunFlag
	output   *outputFlag

	*backupSession
}

// NewCmdBackupPrune applies the retention policy to a store.
func NewCmdBackupPrune(root *RootOptions) *cobra.Command {
	o := &backupPruneOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete backups older than --keep (30 days, like the platform), keeping the --keep-last newest",
		Long: `Deletes only what backup export wrote: under the store's prefix, an archive named
argocd-backup-<UTC time> whose manifest stored beside it names it, gives that time, and
equals the manifest inside the archive (read completely before it is deleted). Failed
uploads (an archive without its manifest copy) go after a day, when the archive is a
complete backup of that name. Anything else is left alone and listed; --dry-run lists what
would go.`,
		Example: `  kubectl ck8sargo backup prune
  kubectl ck8sargo backup prune --keep 168h --keep-last 3 --dry-run`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	cmd.Flags().DurationVar(&o.keep, "keep", backup.DefaultKeep, "delete backups older than this")
	cmd.Flags().IntVar(&o.keepLast, "keep-last", 0, "always keep this many of the newest backups")
	o.dryRun = addDryRun(cmd, `"client" (or --dry-run alone): only say what would be deleted`, dryRunClient)
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete loads the profile, which may name the store.
func (o *backupPruneOptions) Complete(_ *cobra.Command, _ []string) (err error) {
	o.backupSession, err = completeBackupSession(o.root, backupNeeds{store: &o.from})
	return err
}

// Validate checks the retention.
func (o *backupPruneOptions) Validate() error {
	if o.keep <= 0 || o.keepLast < 0 {
		return UsageErrorf("--keep must be positive and --keep-last not negative")
	}
	return nil
}

// Run prunes and prints what went and what stayed.
func (o *backupPruneOptions) Run(ctx context.Context) error {
	st, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	res, err := backup.Prune(ctx, st, backup.PruneOptions{Keep: o.keep, KeepLast: o.keepLast, DryRun: o.dryRun.enabled()})
	if err != nil {
		return backupError(err)
	}
	if o.output.format != "text" {
		return printStructured(o.Out, o.output.format, res)
	}
	verb := "deleted"
	if o.dryRun.enabled() {
		verb = "would delete"
	}
	for _, n := range res.Deleted {
		fmt.Fprintf(o.Out, "%s %s\n", verb, n)
	}
	for _, n := range res.Incomplete {
		fmt.Fprintf(o.Out, "%s %s (incomplete upload)\n", verb, n)
	}
	for _, l := range res.LeftAlone {
		fmt.Fprintf(o.Out, "left alone %s: %s\n", l.Object, l.Reason)
	}
	fmt.Fprintf(o.Out, "%s %d backups, kept %d\n", verb, len(res.Deleted), len(res.Kept))
	return nil
}
