package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ck8sargo/ck8sargo/internal/bytesize"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type backupShowOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	from   string
	output *outputFlag

	name string
	*backupSession
}

// NewCmdBackupShow prints one backup's manifest summary.
func NewCmdBackupShow(root *RootOptions) *cobra.Command {
	o := &backupShowOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a backup: counts per kind, size, age and encryption",
		Example: `  kubectl ck8sargo backup show argocd-backup-20260101T020304Z
  kubectl ck8sargo backup show argocd-backup-20260101T020304Z -o json`,
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete takes the backup name and loads the profile, which may name the store.
func (o *backupShowOptions) Complete(_ *cobra.Command, args []string) (err error) {
	if o.name, err = backupName(args); err != nil {
		return err
	}
	o.backupSession, err = completeBackupSession(o.root, backupNeeds{store: &o.from})
	return err
}

// Validate has nothing to check: -o is checked when it is parsed.
func (o *backupShowOptions) Validate() error {
	return nil
}

// Run prints the backup's manifest summary.
func (o *backupShowOptions) Run(ctx context.Context) error {
	st, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	s, err := summarize(ctx, st, o.name)
	if err != nil {
		return err
	}
	if o.output.format != "text" {
		return printStructured(o.Out, o.output.format, s)
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", s.Name)
	fmt.Fprintf(tw, "Created:\t%s (%s ago)\n", s.Created.Format(time.RFC3339), s.Age)
	fmt.Fprintf(tw, "Size:\t%s\n", bytesize.Format(s.Size, "B"))
	fmt.Fprintf(tw, "Server:\t%s\n", s.Server)
	fmt.Fprintf(tw, "Namespace:\t%s\n", s.Namespace)
	fmt.Fprintf(tw, "Format:\t%d\n", s.Format)
	if s.Encryption == "age" {
		fmt.Fprintf(tw, "Secrets:\tencrypted with age to %s\n", strings.Join(s.Recipients, ", "))
	} else {
		fmt.Fprintf(tw, "Secrets:\tPLAINTEXT\n")
	}
	if s.SignedBy != "" {
		fmt.Fprintf(tw, "Signed:\twith the key of %s (not checked; backup verify --identity checks it)\n", s.SignedBy)
	} else {
		fmt.Fprintf(tw, "Signed:\tno\n")
	}
	fmt.Fprintf(tw, "Objects:\t%d\n", s.Objects)
	for _, k := range backupKinds() {
		fmt.Fprintf(tw, "  %s:\t%d\n", k, s.Counts[k])
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(tw, "Warning:\t%s\n", w)
	}
	return tw.Flush()
}
