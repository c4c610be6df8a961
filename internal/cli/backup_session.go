package cli

import (
	"bytes"
	"context"
	"os"

	"filippo.io/age"
	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
)

// backupSession is what every backup command completes before it calls the library: the
// profile, the age identities, the clients and the store, in that order, each only where
// the command needs it. One place, so that the commands open them the same way. The
// commands embed it, so that its close, promoted, is the closer runCommand calls when the
// command ends (nil before Complete has made it: close allows that).
type backupSession struct {
	profile  argocdmanaged.Profile
	ids      []age.Identity
	clients  *argocdmanaged.Clients
	storeURL string
	store    *store.Store
}

// backupNeeds says what a backup command uses.
type backupNeeds struct {
	// identity is the command's --identity flag; nil when it takes none.
	identity *identityFlag
	// store is the command's --to or --from value; nil when it uses no store.
	store *string
	// clients says whether it talks to the cluster.
	clients bool
}

// completeBackupSession loads the profile and the identities and makes the clients (no
// request is sent yet). The store is opened by openStore, after Validate: opening a
// file:// store creates its directory.
func completeBackupSession(root *RootOptions, needs backupNeeds) (*backupSession, error) {
	p, err := root.Profile()
	if err != nil {
		return nil, err
	}
	s := &backupSession{profile: p}
	if needs.identity != nil {
		if s.ids, err = needs.identity.load(); err != nil {
			return nil, err
		}
	}
	if needs.clients {
		if s.clients, err = backupClients(root); err != nil {
			return nil, err
		}
	}
	if needs.store != nil {
		if s.storeURL, err = storeURL(*needs.store, p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// openStore opens the store the session was completed with.
func (s *backupSession) openStore(ctx context.Context) (*store.Store, error) {
	st, err := store.Open(ctx, s.storeURL)
	if err != nil {
		return nil, UsageErrorf("%w", err)
	}
	s.store = st
	return st, nil
}

// close closes what the session opened.
func (s *backupSession) close() {
	if s != nil && s.store != nil {
		_ = s.store.Close()
	}
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
		return nil, UsageErrorf("reading age identity: %w", err)
	}
	ids, err := backup.ParseIdentities(bytes.NewReader(data), path)
	if err != nil {
		return nil, UsageErrorf("%w", err)
	}
	return ids, nil
}
