package sops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	sopslib "github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keys"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/logging"
	"github.com/getsops/sops/v3/pgp"
	"github.com/getsops/sops/v3/version"
)

// Version is the version of the sops library this package is built with; files it writes
// carry it in their metadata, and tools/sops builds the sops CLI of the same version.
var Version = version.Version

// Errors callers may branch on. Each comes wrapped with the file's name.
var (
	// ErrNotEncrypted: the file has no sops metadata.
	ErrNotEncrypted = errors.New("not encrypted with sops (no sops metadata)")
	// ErrAlreadyEncrypted: the file to encrypt already has sops metadata.
	ErrAlreadyEncrypted = errors.New("already encrypted with sops: use decrypt, edit, updatekeys or rotate")
	// ErrNoKey: none of the keys given can unwrap the file's data key.
	ErrNoKey = errors.New("none of the keys given can decrypt it")
	// ErrMACMismatch: the values do not match the MAC; the file was changed by hand after it
	// was encrypted, or is damaged.
	ErrMACMismatch = errors.New("MAC mismatch: the file was changed after it was encrypted, or is damaged")
	// ErrNoMAC: the sops metadata is complete but has no MAC, so the values cannot be
	// verified; the sops CLI refuses it the same way ("MAC mismatch. File has no MAC").
	ErrNoMAC = errors.New("no MAC: the sops metadata has no mac, so nothing proves the values are the ones encrypted (sops: \"File has no MAC\"); decrypt a good copy from git history, or encrypt the plaintext again")
	// ErrDamaged: the file's metadata or values cannot be read.
	ErrDamaged = errors.New("damaged sops file")
	// ErrNoCreationRule: no .sops.yaml creation rule (and no explicit recipients) says whom
	// to encrypt for: add a rule (kubectl ck8sargo secrets init) or set Client.PGP or Age.
	ErrNoCreationRule = errors.New("no .sops.yaml creation rule matches it")
	// ErrNoKeyring: the Client has no Keyring, so no data key can be wrapped or unwrapped.
	ErrNoKeyring = errors.New("no keyring")
)

// Client encrypts and decrypts sops files in process, with the keys of its Keyring.
type Client struct {
	// Keyring holds the keys; required for every operation that touches a data key.
	Keyring *Keyring
	// ConfigFile is the .sops.yaml to read; empty means the nearest one in the file's
	// directory or above it.
	ConfigFile string
	// PGP and Age, when either is set, are the recipients to encrypt new files for instead
	// of the creation rule's keys (the rule's other settings still apply).
	PGP []string
	Age []string
}

var quietOnce sync.Once

// quietSops silences the sops library's loggers: a library must not write to stderr, and
// their messages name keys and files that the caller reports itself.
func quietSops() {
	quietOnce.Do(func() {
		for _, l := range logging.Loggers {
			l.SetOutput(io.Discard)
		}
	})
}

func (c *Client) keyServices() ([]keyservice.KeyServiceClient, error) {
	if c.Keyring == nil {
		return nil, ErrNoKeyring
	}
	return []keyservice.KeyServiceClient{c.Keyring.KeyService()}, nil
}

// configFile returns the .sops.yaml for name, or "" when there is none.
func (c *Client) configFile(name string) (string, error) {
	if c.ConfigFile != "" {
		return c.ConfigFile, nil
	}
	return findConfigFile(name)
}

// findConfigFile returns the nearest .sops.yaml in the directory of name or above it, or ""
// when there is none. (The sops CLI looks from the working directory instead; running it
// from the file's directory gives the same result.)
func findConfigFile(name string) (string, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(abs)
	for {
		p := filepath.Join(dir, ".sops.yaml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// creationRule loads the creation rule for name; nil when there is no .sops.yaml or no rule
// matches.
func (c *Client) creationRule(name string) (*config.Config, string, error) {
	cf, err := c.configFile(name)
	if err != nil || cf == "" {
		return nil, cf, err
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, cf, err
	}
	rule, err := config.LoadCreationRuleForFile(cf, abs, nil)
	if err != nil {
		if strings.Contains(err.Error(), "no matching creation rules found") {
			return nil, cf, nil
		}
		return nil, cf, fmt.Errorf("reading %s: %w", cf, err)
	}
	return rule, cf, nil
}

func (c *Client) store(name, configFile string) (common.Store, error) {
	sc := config.NewStoresConfig()
	if configFile != "" {
		var err error
		if sc, err = config.LoadStoresConfig(configFile); err != nil {
			return nil, fmt.Errorf("reading %s: %w", configFile, err)
		}
	}
	return common.DefaultStoreForPath(sc, name), nil
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// parseError describes a store's parse error without quoting the input: some stores put
// the offending line, possibly a secret, into their error.
func parseError(name string, err error) error {
	what := "cannot be parsed"
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		what += " (line " + m[1] + ")"
	}
	return fmt.Errorf("%s %s as %s", name, what, formatName(name))
}

func formatName(name string) string {
	switch filepath.Ext(name) {
	case ".yaml", ".yml":
		return "YAML"
	case ".json":
		return "JSON"
	case ".env":
		return "dotenv"
	case ".ini":
		return "INI"
	}
	return "binary data"
}

// Encrypt encrypts plaintext, the content of the file name (whose extension selects the
// format and whose .sops.yaml the creation rule), for the recipients of the creation rule
// or of c.PGP and c.Age.
func (c *Client) Encrypt(ctx context.Context, name string, plaintext []byte) ([]byte, error) {
	quietSops()
	svcs, err := c.keyServices()
	if err != nil {
		return nil, err
	}
	rule, cf, err := c.creationRule(name)
	if err != nil {
		return nil, err
	}
	store, err := c.store(name, cf)
	if err != nil {
		return nil, err
	}
	branches, err := loadPlain(store, plaintext)
	if err != nil {
		return nil, parseError(name, err)
	}
	if len(branches) == 0 {
		return nil, fmt.Errorf("%s is empty: sops needs at least one document", name)
	}
	if store.HasSopsTopLevelKey(branches[0]) {
		return nil, fmt.Errorf("%s: %w", name, ErrAlreadyEncrypted)
	}
	md := sopslib.Metadata{Version: Version}
	if rule != nil {
		md.KeyGroups = rule.KeyGroups
		md.ShamirThreshold = rule.ShamirThreshold
		md.UnencryptedSuffix, md.EncryptedSuffix = rule.UnencryptedSuffix, rule.EncryptedSuffix
		md.UnencryptedRegex, md.EncryptedRegex = rule.UnencryptedRegex, rule.EncryptedRegex
		md.UnencryptedCommentRegex, md.EncryptedCommentRegex = rule.UnencryptedCommentRegex, rule.EncryptedCommentRegex
		md.MACOnlyEncrypted = rule.MACOnlyEncrypted
	}
	if len(c.PGP) > 0 || len(c.Age) > 0 {
		g, err := keyGroup(c.PGP, c.Age)
		if err != nil {
			return nil, err
		}
		md.KeyGroups, md.ShamirThreshold = []sopslib.KeyGroup{g}, 0
	}
	if len(md.KeyGroups) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNoCreationRule)
	}
	if md.UnencryptedSuffix == "" && md.EncryptedSuffix == "" && md.UnencryptedRegex == "" &&
		md.EncryptedRegex == "" && md.UnencryptedCommentRegex == "" && md.EncryptedCommentRegex == "" {
		// What the sops CLI records when nothing else is configured.
		md.UnencryptedSuffix = sopslib.DefaultUnencryptedSuffix
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, err
	}
	tree := sopslib.Tree{Branches: branches, Metadata: md, FilePath: abs}
	dataKey, errs := tree.GenerateDataKeyWithKeyServices(svcs)
	if len(errs) > 0 {
		return nil, fmt.Errorf("encrypting %s: %w", name, errors.Join(errs...))
	}
	if err := encryptTree(&tree, dataKey); err != nil {
		return nil, fmt.Errorf("encrypting %s: %w", name, err)
	}
	out, err := store.EmitEncryptedFile(tree)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", name, err)
	}
	return out, nil
}

func keyGroup(pgpFPs, ageRecipients []string) (sopslib.KeyGroup, error) {
	var g sopslib.KeyGroup
	for _, fp := range pgpFPs {
		g = append(g, pgp.NewMasterKeyFromFingerprint(fp))
	}
	for _, r := range ageRecipients {
		mks, err := sopsage.MasterKeysFromRecipients(r)
		if err != nil {
			return nil, fmt.Errorf("age recipient %q: %w", r, err)
		}
		for _, mk := range mks {
			g = append(g, mk)
		}
	}
	return g, nil
}

// encryptTree encrypts the values and the MAC with dataKey (common.EncryptTree without its
// CLI exit errors).
func encryptTree(tree *sopslib.Tree, dataKey []byte) error {
	cipher := aes.NewCipher()
	mac, err := tree.Encrypt(dataKey, cipher)
	if err != nil {
		return errors.New("a value cannot be encrypted")
	}
	tree.Metadata.LastModified = time.Now().UTC()
	tree.Metadata.MessageAuthenticationCode, err = cipher.Encrypt(mac, dataKey, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return errors.New("the MAC cannot be encrypted")
	}
	return nil
}

// load reads an encrypted file into a tree.
func (c *Client) load(name string, data []byte) (*sopslib.Tree, common.Store, error) {
	quietSops()
	cf, err := c.configFile(name)
	if err != nil {
		return nil, nil, err
	}
	store, err := c.store(name, cf)
	if err != nil {
		return nil, nil, err
	}
	tree, err := loadEncrypted(store, data)
	if err != nil {
		if errors.Is(err, sopslib.MetadataNotFound) {
			return nil, nil, fmt.Errorf("%s: %w", name, ErrNotEncrypted)
		}
		return nil, nil, fmt.Errorf("%s: %w: %w", name, ErrDamaged, parseError(name, err))
	}
	if tree.Metadata.Version == "" || tree.Metadata.LastModified.IsZero() {
		// sops always writes these; the version comes last, so a cut file loses it first.
		return nil, nil, fmt.Errorf("%s: %w: the sops metadata is incomplete (the file may be truncated)", name, ErrDamaged)
	}
	if tree.Metadata.MessageAuthenticationCode == "" {
		// The rest of the metadata is there: the mac line was taken out, not cut off.
		return nil, nil, fmt.Errorf("%s: %w", name, ErrNoMAC)
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, nil, err
	}
	tree.FilePath = abs
	return &tree, store, nil
}

// decryptTree unwraps the data key, decrypts the values in place and checks the MAC.
func (c *Client) decryptTree(name string, tree *sopslib.Tree) ([]byte, error) {
	svcs, err := c.keyServices()
	if err != nil {
		return nil, err
	}
	dataKey, err := tree.Metadata.GetDataKeyWithKeyServices(svcs, nil)
	if err != nil {
		tried := "no key source at all"
		if t := c.Keyring.Tried(); len(t) > 0 {
			tried = strings.Join(t, ", ")
		}
		return nil, fmt.Errorf("%s: %w (it is encrypted for %s; tried: %s)",
			name, ErrNoKey, joinIDs(recipients(tree.Metadata)), tried)
	}
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(dataKey, cipher)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: a value cannot be decrypted", name, ErrDamaged)
	}
	fileMAC, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, dataKey, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil || fileMAC != mac {
		return nil, fmt.Errorf("%s: %w", name, ErrMACMismatch)
	}
	return dataKey, nil
}

// loadDecrypted loads the sops file data and decrypts its values in place; it returns the
// data key too.
func (c *Client) loadDecrypted(name string, data []byte) (*sopslib.Tree, common.Store, []byte, error) {
	tree, store, err := c.load(name, data)
	if err != nil {
		return nil, nil, nil, err
	}
	dataKey, err := c.decryptTree(name, tree)
	if err != nil {
		return nil, nil, nil, err
	}
	return tree, store, dataKey, nil
}

// plaintext writes the decrypted tree of name in its store's format.
func plaintext(name string, store common.Store, tree *sopslib.Tree) ([]byte, error) {
	plain, err := store.EmitPlainFile(tree.Branches)
	if err != nil {
		return nil, fmt.Errorf("%s: writing the plaintext: %w", name, ErrDamaged)
	}
	return plain, nil
}

// Decrypt returns the plaintext of the sops file data (named name), after checking its
// MAC.
func (c *Client) Decrypt(ctx context.Context, name string, data []byte) ([]byte, error) {
	tree, store, _, err := c.loadDecrypted(name, data)
	if err != nil {
		return nil, err
	}
	return plaintext(name, store, tree)
}

// Edit decrypts data, gives the plaintext to edit, and encrypts the result with the same
// data key and recipients. When edit returns the plaintext unchanged, Edit returns data
// itself and changed is false, so nothing needs writing.
func (c *Client) Edit(ctx context.Context, name string, data []byte, edit func(plaintext []byte) ([]byte, error)) (out []byte, changed bool, err error) {
	tree, store, dataKey, err := c.loadDecrypted(name, data)
	if err != nil {
		return nil, false, err
	}
	plain, err := plaintext(name, store, tree)
	if err != nil {
		return nil, false, err
	}
	edited, err := edit(plain)
	if err != nil {
		return nil, false, err
	}
	if bytes.Equal(edited, plain) {
		return data, false, nil
	}
	branches, err := loadPlain(store, edited)
	if err != nil {
		return nil, false, fmt.Errorf("the edited text: %w; %s was left as it was", parseError(name, err), name)
	}
	if len(branches) == 0 {
		return nil, false, fmt.Errorf("the edited text is empty; %s was left as it was", name)
	}
	if store.HasSopsTopLevelKey(branches[0]) {
		return nil, false, fmt.Errorf("the edited text has a top-level sops key, which is reserved; %s was left as it was", name)
	}
	tree.Branches = branches
	if err := encryptTree(tree, dataKey); err != nil {
		return nil, false, fmt.Errorf("encrypting %s: %w", name, err)
	}
	out, err = store.EmitEncryptedFile(*tree)
	if err != nil {
		return nil, false, fmt.Errorf("writing %s: %w", name, err)
	}
	return out, true, nil
}

// KeyChange is what UpdateKeys changed in one file: recipients as "pgp:FINGERPRINT" or
// "age:RECIPIENT".
type KeyChange struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// Changed says whether any recipient was added or removed.
func (k KeyChange) Changed() bool { return len(k.Added) > 0 || len(k.Removed) > 0 }

// UpdateKeys re-wraps the data key of data for the recipients the creation rule now names
// (values and MAC stay as they are, as with `sops updatekeys`). It needs a key that can
// unwrap the data key. When nothing changes, it returns data itself.
func (c *Client) UpdateKeys(ctx context.Context, name string, data []byte) ([]byte, KeyChange, error) {
	var change KeyChange
	tree, _, err := c.load(name, data)
	if err != nil {
		return nil, change, err
	}
	rule, _, err := c.creationRule(name)
	if err != nil {
		return nil, change, err
	}
	if rule == nil || len(rule.KeyGroups) == 0 {
		return nil, change, fmt.Errorf("%s: %w", name, ErrNoCreationRule)
	}
	change = diffKeys(recipients(tree.Metadata), recipients(sopslib.Metadata{KeyGroups: rule.KeyGroups}))
	if !change.Changed() && len(rule.KeyGroups) == len(tree.Metadata.KeyGroups) && rule.ShamirThreshold == tree.Metadata.ShamirThreshold {
		return data, change, nil
	}
	svcs, err := c.keyServices()
	if err != nil {
		return nil, change, err
	}
	dataKey, err := c.decryptTree(name, tree)
	if err != nil {
		return nil, change, err
	}
	// decryptTree decrypted the values in place; re-load the ciphertext to keep it as is.
	tree, store, err := c.load(name, data)
	if err != nil {
		return nil, change, err
	}
	tree.Metadata.KeyGroups = rule.KeyGroups
	tree.Metadata.ShamirThreshold = rule.ShamirThreshold
	if errs := tree.Metadata.UpdateMasterKeysWithKeyServices(dataKey, svcs); len(errs) > 0 {
		return nil, change, fmt.Errorf("re-wrapping the data key of %s: %w", name, errors.Join(errs...))
	}
	out, err := store.EmitEncryptedFile(*tree)
	if err != nil {
		return nil, change, fmt.Errorf("writing %s: %w", name, err)
	}
	return out, change, nil
}

// Rotate re-encrypts data with a new data key, for the same recipients (`sops rotate`).
func (c *Client) Rotate(ctx context.Context, name string, data []byte) ([]byte, error) {
	tree, store, _, err := c.loadDecrypted(name, data)
	if err != nil {
		return nil, err
	}
	svcs, err := c.keyServices()
	if err != nil {
		return nil, err
	}
	for _, g := range tree.Metadata.KeyGroups {
		for _, k := range g {
			k.SetEncryptedDataKey(nil)
		}
	}
	tree.Metadata.DataKey = nil
	dataKey, errs := tree.GenerateDataKeyWithKeyServices(svcs)
	if len(errs) > 0 {
		return nil, fmt.Errorf("rotating the data key of %s: %w", name, errors.Join(errs...))
	}
	if err := encryptTree(tree, dataKey); err != nil {
		return nil, fmt.Errorf("encrypting %s: %w", name, err)
	}
	out, err := store.EmitEncryptedFile(*tree)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", name, err)
	}
	return out, nil
}

// recipients lists the master keys of a file as "pgp:FINGERPRINT", "age:RECIPIENT", ...
func recipients(md sopslib.Metadata) []string {
	var out []string
	for _, g := range md.KeyGroups {
		for _, k := range g {
			out = append(out, keyID(k))
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func keyID(k keys.MasterKey) string { return k.TypeToIdentifier() + ":" + k.ToString() }

func joinIDs(ids []string) string {
	if len(ids) == 0 {
		return "no key"
	}
	s := ids[0]
	for _, id := range ids[1:] {
		s += ", " + id
	}
	return s
}

func diffKeys(old, new []string) KeyChange {
	var c KeyChange
	for _, k := range new {
		if !slices.Contains(old, k) {
			c.Added = append(c.Added, k)
		}
	}
	for _, k := range old {
		if !slices.Contains(new, k) {
			c.Removed = append(c.Removed, k)
		}
	}
	return c
}
