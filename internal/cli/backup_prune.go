package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/backup"
)

type backupPruneOptions struct {
	root     *RootOptions
	from     string
	keep     time.Duration
	keepLast int
	dryRun   bool
	output   string
}

// NewCmdBackupPrune applies the retention policy to a store.
func NewCmdBackupPrune(root *RootOptions) *cobra.Command {
	o := &backupPruneOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.keep <= 0 || o.keepLast < 0 {
				return UsageErrorf("--keep must be positive and --keep-last not negative")
			}
			if err := validateOutput(o.output, "text", "json", "yaml"); err != nil {
				return err
			}
			return o.Run(cmd)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	cmd.Flags().DurationVar(&o.keep, "keep", backup.DefaultKeep, "delete backups older than this")
	cmd.Flags().IntVar(&o.keepLast, "keep-last", 0, "always keep this many of the newest backups")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "only say what would be deleted")
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	return cmd
}

func (o *backupPruneOptions) Run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.from, p)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := backup.Prune(ctx, st, backup.PruneOptions{Keep: o.keep, KeepLast: o.keepLast, DryRun: o.dryRun})
	if err != nil {
		return inputError(err)
	}
	if o.output != "text" {
		return printStructured(o.root.Out, o.output, res)
	}
	verb := "deleted"
	if o.dryRun {
		verb = "would delete"
	}
	for _, n := range res.Deleted {
		fmt.Fprintf(o.root.Out, "%s %s\n", verb, n)
	}
	for _, n := range res.Incomplete {
		fmt.Fprintf(o.root.Out, "%s %s (incomplete upload)\n", verb, n)
	}
	for _, l := range res.LeftAlone {
		fmt.Fprintf(o.root.Out, "left alone %s: %s\n", l.Object, l.Reason)
	}
	fmt.Fprintf(o.root.Out, "%s %d backups, kept %d\n", verb, len(res.Deleted), len(res.Kept))
	return nil
}
