package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

type backupDiffOptions struct {
	root   *RootOptions
	from   string
	live   bool
	id     identityFlag
	output string
}

// NewCmdBackupDiff compares a backup with another or with the cluster.
func NewCmdBackupDiff(root *RootOptions) *cobra.Command {
	o := &backupDiffOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return UsageErrorf("give a backup name and either a second name or --live")
			}
			if len(args) == 2 && o.live {
				return UsageErrorf("give either a second backup name or --live, not both")
			}
			for _, a := range args {
				if err := store.ValidName(a); err != nil {
					return UsageErrorf("%v", err)
				}
			}
			if err := validateOutput(o.output, "text", "json", "yaml"); err != nil {
				return err
			}
			return o.Run(cmd, args)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	cmd.Flags().BoolVar(&o.live, "live", false, "compare with the live cluster (the default with one name)")
	o.id.add(cmd)
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	return cmd
}

func (o *backupDiffOptions) Run(cmd *cobra.Command, args []string) error {
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
	from, err := backup.LoadBackup(ctx, st, args[0], ids)
	if err != nil {
		return inputError(err)
	}
	var to *backup.Snapshot
	if len(args) == 2 {
		if to, err = backup.LoadBackup(ctx, st, args[1], ids); err != nil {
			return inputError(err)
		}
	} else {
		c, err := backupClients(o.root)
		if err != nil {
			return err
		}
		var warnings []string
		if to, warnings, err = backup.LoadLive(ctx, c, p); err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintf(o.root.ErrOut, "warning: %s\n", w)
		}
	}
	d := backup.Diff(from, to)
	if o.output != "text" {
		if err := printStructured(o.root.Out, o.output, d); err != nil {
			return err
		}
	} else {
		for _, od := range d.Objects {
			fmt.Fprintf(o.root.Out, "%s %s/%s\n", od.Change, od.Kind, od.Name)
			for _, f := range od.Fields {
				fmt.Fprintf(o.root.Out, "    %s: %s -> %s\n", f.Path, orNone(f.From), orNone(f.To))
			}
		}
		fmt.Fprintf(o.root.Out, "%s -> %s: %d added, %d removed, %d changed, %d unchanged\n", d.From, d.To, d.Added, d.Removed, d.Changed, d.Unchanged)
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
