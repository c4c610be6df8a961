package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// NewCmdBackup groups the commands that export, check and restore a team's Argo CD
// objects.
func NewCmdBackup(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Export, verify, diff and restore the team's Argo CD objects, with Secrets encrypted",
		Long: `A backup holds the team's Argo CD objects of the Argo CD namespace: ApplicationSets,
Applications, AppProjects, Secrets labelled argocd.argoproj.io/secret-type, the notifications
ConfigMap and Secret, and the ConfigMaps named in the profile's backup.configMaps. Objects
labelled compliantkubernetes.io/nobackup are left out. Secret data is encrypted with age.

Backups live in a store: file://DIR (default file://$XDG_DATA_HOME/ck8sargo/backups, or the
profile's backup.to), s3://BUCKET?endpoint=URL&use_path_style=true&region=R for any
S3-compatible server, gs://BUCKET or azblob://CONTAINER.`,
		Example: `  kubectl ck8sargo backup export --encrypt-to age1...
  kubectl ck8sargo backup list
  kubectl ck8sargo backup restore argocd-backup-20260101T020304Z --identity key.txt`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		NewCmdBackupExport(root),
		NewCmdBackupList(root),
		NewCmdBackupShow(root),
		NewCmdBackupVerify(root),
		NewCmdBackupDiff(root),
		NewCmdBackupRestore(root),
		NewCmdBackupPrune(root),
		NewCmdBackupSchedule(root),
	)
	return cmd
}

// terminalProgress draws "phase done/total (rate/s)" on one line of stderr.
type terminalProgress struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	last  time.Time
	drawn bool
}

// progressFor returns a progress line on a terminal, and nothing otherwise.
func progressFor(root *RootOptions) backup.Progress {
	if !isTerminal(root.ErrOut) {
		return nil
	}
	return &terminalProgress{w: root.ErrOut, start: time.Now()}
}

func (p *terminalProgress) Update(phase string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	final := total >= 0 && done == total
	if !final && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(done) / max(now.Sub(p.start).Seconds(), 0.001)
	of := ""
	if total >= 0 {
		of = fmt.Sprintf("/%d", total)
	}
	fmt.Fprintf(p.w, "\r\033[K%s: %d%s objects (%.0f/s)", phase, done, of, rate)
	p.drawn = true
}

// done ends the progress line.
func endProgress(p backup.Progress) {
	if tp, ok := p.(*terminalProgress); ok && tp.drawn {
		fmt.Fprintln(tp.w)
	}
}

// confirm asks a yes/no question on a terminal; without one it refuses, so that a script
// must say --yes.
func confirm(root *RootOptions, question string) (bool, error) {
	if !isTerminal(root.In) {
		return false, UsageErrorf("%s needs confirmation and standard input is not a terminal; pass --yes", question)
	}
	fmt.Fprintf(root.ErrOut, "%s [y/N] ", question)
	return readYes(root.In)
}

// backupArgs checks the one NAME argument.
func backupName(args []string) (string, error) {
	if len(args) != 1 {
		return "", UsageErrorf("give one backup name; see `kubectl ck8sargo backup list`")
	}
	if err := store.ValidName(args[0]); err != nil {
		return "", UsageErrorf("%w", err)
	}
	return args[0], nil
}

func humanAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}
