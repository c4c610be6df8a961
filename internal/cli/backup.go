package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
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

// storeURL is --to/--from, else the profile's backup.to, else the default directory.
func storeURL(flag string, p argocdmanaged.Profile) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p.Backup.To != "" {
		return p.Backup.To, nil
	}
	return store.DefaultURL()
}

// storeFlagHelp is the help of every backup command's --to or --from flag.
const storeFlagHelp = "store URL (default: the profile's backup.to, else file://$XDG_DATA_HOME/ck8sargo/backups)"

func openStore(ctx context.Context, flag string, p argocdmanaged.Profile) (*store.Store, error) {
	u, err := storeURL(flag, p)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, u)
	if err != nil {
		return nil, UsageErrorf("%v", err)
	}
	return st, nil
}

// backupClients are the user's clients with a client-side rate limit fit for thousands of
// objects; the API server's priority and fairness still protects it.
func backupClients(root *RootOptions) (*argocdmanaged.Clients, error) {
	cfg, err := argocdmanaged.RESTConfig(root.ConfigFlags)
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 200, 400
	c, err := argocdmanaged.NewClientsForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if root.ConfigFlags.Context != nil && *root.ConfigFlags.Context != "" {
		c.Context = *root.ConfigFlags.Context
	} else if raw, err := root.ConfigFlags.ToRawKubeConfigLoader().RawConfig(); err == nil {
		c.Context = raw.CurrentContext
	}
	return c, nil
}

// identityFlag is --identity FILE, else $SOPS_AGE_KEY_FILE.
type identityFlag struct{ file string }

func (f *identityFlag) add(cmd *cobra.Command) {
	f.addWithHelp(cmd, "age identity file (age-keygen format) to decrypt Secrets and check the backup's signature; default $SOPS_AGE_KEY_FILE")
}

func (f *identityFlag) addWithHelp(cmd *cobra.Command, help string) {
	cmd.Flags().StringVar(&f.file, "identity", "", help)
}

// requireSignatureHelp is the help of verify's and restore's --require-signature.
const requireSignatureHelp = "refuse a backup that is not signed, or whose signature the --identity key does not check"

func (f *identityFlag) load() ([]age.Identity, error) {
	path := f.file
	if path == "" {
		path = os.Getenv("SOPS_AGE_KEY_FILE")
	}
	if path == "" {
		return nil, nil
	}
	data, err := inputfile.Read(path, 1<<20)
	if err != nil {
		return nil, UsageErrorf("reading age identity: %v", err)
	}
	ids, err := backup.ParseIdentities(bytes.NewReader(data), path)
	if err != nil {
		return nil, UsageErrorf("%v", err)
	}
	return ids, nil
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
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
	line, err := bufio.NewReader(root.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// backupArgs checks the one NAME argument.
func backupName(args []string) (string, error) {
	if len(args) != 1 {
		return "", UsageErrorf("give one backup name; see `kubectl ck8sargo backup list`")
	}
	if err := store.ValidName(args[0]); err != nil {
		return "", UsageErrorf("%v", err)
	}
	return args[0], nil
}

// inputError marks errors about the backup itself (corrupt, wrong key, out of scope) as
// bad input: exit 2 with the message.
func inputError(err error) error {
	switch {
	case errors.Is(err, archive.ErrCorrupt), errors.Is(err, archive.ErrChecksum),
		errors.Is(err, archive.ErrFormatVersion), errors.Is(err, archive.ErrNoIdentity),
		errors.Is(err, backup.ErrInvalidBackup), errors.Is(err, store.ErrNotFound),
		errors.Is(err, backup.ErrPlaintextSecrets):
		return &exitError{Code: ExitError, Err: err}
	case errors.Is(err, archive.ErrUnsigned):
		return UsageErrorf("%v; it was exported without the team's key: export with --identity (or SOPS_AGE_KEY_FILE) to sign it", err)
	case errors.Is(err, archive.ErrBadSignature):
		return UsageErrorf("%v; give the team's key with --identity, and do not restore this backup unless you know who changed it", err)
	case errors.Is(err, archive.ErrNameMismatch), errors.Is(err, archive.ErrManifestMismatch):
		return UsageErrorf("%v; the store was changed after the export: do not restore this backup unless you know who changed it", err)
	}
	return err
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
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
