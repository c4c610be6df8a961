package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

type backupDiffOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	from   string
	live   bool
	id     identityFlag
	output *outputFlag

	names []string
	*backupSession
}

// NewCmdBackupDiff compares a backup with another or with the cluster.
func NewCmdBackupDiff(root *RootOptions) *cobra.Command {
	o := &backupDiffOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "diff NAME [NAME2 | --live]",
		Short: "Show what changed between a backup and another backup or the cluster",
		Long: `Per object: added, removed, or changed with the fields that changed, from NAME to NAME2 or
to the live cluster (--live, the default with one name). Secret values are never shown, only
that they changed; without an identity, encrypted Secrets are reported as not compared.
Exit 1 when there are differences.`,
		Example: `  # what changed since last night's backup
  kubectl ck8sargo backup diff argocd-backup-20260101T020304Z --live --identity key.txt

  # between two backups, as JSON
  kubectl ck8sargo backup diff argocd-backup-20260101T020304Z argocd-backup-20260102T020304Z -o json`,
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	cmd.Flags().BoolVar(&o.live, "live", false, "compare with the live cluster (the default with one name)")
	o.id.add(cmd)
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete takes the backup names and loads the profile and the identity, and makes the
// clients when the second side is the cluster.
func (o *backupDiffOptions) Complete(_ *cobra.Command, args []string) (err error) {
	if len(args) < 1 || len(args) > 2 {
		return UsageErrorf("give a backup name and either a second name or --live")
	}
	if len(args) == 2 && o.live {
		return UsageErrorf("give either a second backup name or --live, not both")
	}
	o.names = args
	o.backupSession, err = completeBackupSession(o.root, backupNeeds{identity: &o.id, store: &o.from, clients: len(args) == 1})
	return err
}

// Validate checks the names.
func (o *backupDiffOptions) Validate() error {
	for _, a := range o.names {
		if err := store.ValidName(a); err != nil {
			return UsageErrorf("%w", err)
		}
	}
	return nil
}

// Run loads both sides, prints the difference, and exits 1 when there is one.
func (o *backupDiffOptions) Run(ctx context.Context) error {
	st, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	from, err := backup.LoadBackup(ctx, st, o.names[0], o.ids)
	if err != nil {
		return backupError(err)
	}
	var to *backup.Snapshot
	if len(o.names) == 2 {
		if to, err = backup.LoadBackup(ctx, st, o.names[1], o.ids); err != nil {
			return backupError(err)
		}
	} else {
		var warnings []string
		if to, warnings, err = backup.LoadLive(ctx, o.clients, o.profile); err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintf(o.ErrOut, "warning: %s\n", w)
		}
	}
	d := backup.Diff(from, to)
	if o.output.format != "text" {
		if err := printStructured(o.Out, o.output.format, d); err != nil {
			return err
		}
	} else {
		for _, od := range d.Objects {
			fmt.Fprintf(o.Out, "%s %s/%s\n", od.Change, od.Kind, od.Name)
			for _, f := range od.Fields {
				fmt.Fprintf(o.Out, "    %s: %s -> %s\n", f.Path, orNone(f.From), orNone(f.To))
			}
		}
		fmt.Fprintf(o.Out, "%s -> %s: %d added, %d removed, %d changed, %d unchanged\n", d.From, d.To, d.Added, d.Removed, d.Changed, d.Unchanged)
	}
	if !d.Empty() {
		return ProblemsFound()
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
