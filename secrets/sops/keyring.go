package sops

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
)

// Keyring holds the keys an operation may use, in process: OpenPGP private keys and age
// identities to decrypt data keys, and OpenPGP public keys to encrypt them. Nothing in it is
// passed through environment variables or to the gpg binary. Only when GnuPGHome is set are
// OpenPGP keys that the keyring does not hold left to GnuPG in that home, as sops does.
type Keyring struct {
	pgpPrivate openpgp.EntityList
	pgpPublic  openpgp.EntityList
	age        []age.Identity
	sources    []string
	// tried are the places AddEnvironment looked in, found or not, for messages.
	tried []string
	// GnuPGHome, when not empty, is the GnuPG home that OpenPGP operations fall back to for
	// keys not in the keyring (sops' own behaviour: its legacy secring, then the gpg
	// binary). Empty means never.
	GnuPGHome string
}

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring { return &Keyring{} }

// Sources names where the keyring's keys came from (files, environment variables), for
// messages; never the keys themselves.
func (k *Keyring) Sources() []string { return append([]string(nil), k.sources...) }

// Tried describes every key source the keyring was given or looked in, with what was found
// there ("--identity key.txt", "$SOPS_AGE_KEY_FILE (not set)", "GnuPG home ~/.gnupg (not
// found)"), so that "no key can decrypt it" can say where it looked. Never a key.
func (k *Keyring) Tried() []string {
	var out []string
	for _, s := range k.sources {
		named := slices.ContainsFunc(k.tried, func(t string) bool { return t == s || strings.Contains(t, "("+s+")") })
		if !named && !strings.HasPrefix(s, "$") && !strings.HasPrefix(s, "GnuPG home ") {
			out = append(out, s)
		}
	}
	return append(out, k.tried...)
}

// Empty says whether the keyring holds no private key and falls back to no GnuPG home.
func (k *Keyring) Empty() bool {
	return len(k.pgpPrivate) == 0 && len(k.age) == 0 && k.GnuPGHome == ""
}

// ErrNotAKey is returned for data that is neither an armored OpenPGP key nor an age
// identity file.
var ErrNotAKey = errors.New("neither an armored OpenPGP private key nor an age identity file")

// AddIdentity adds the private keys in data: armored OpenPGP private key blocks (their
// public parts are added too, for encryption) and age identities (AGE-SECRET-KEY-... lines,
// comments allowed), in any number and mix: a `gpg --export-secret-keys` of a whole keyring,
// several exports one after the other, an age keys.txt. source names the data in errors.
// Every block is checked, and a passphrase-protected OpenPGP key in any of them is refused,
// naming its fingerprint: the repo server could not use it either. A public key block is
// refused too: it cannot decrypt anything.
func (k *Keyring) AddIdentity(source string, data []byte) error {
	blocks, rest := armoredBlocks(data)
	var pgpKeys openpgp.EntityList
	for i, b := range blocks {
		where := source
		if len(blocks) > 1 {
			where = fmt.Sprintf("%s (armored block %d of %d)", source, i+1, len(blocks))
		}
		switch b.Type {
		case ArmorPrivateKey:
		case ArmorPublicKey:
			el, _ := openpgp.ReadArmoredKeyRing(bytes.NewReader(b.Data))
			if len(el) > 0 {
				return fmt.Errorf("%s: the OpenPGP key %X is a public key: give its private key (`gpg --armor --export-secret-keys %X`)", where, el[0].PrimaryKey.Fingerprint, el[0].PrimaryKey.Fingerprint)
			}
			return fmt.Errorf("%s: an OpenPGP public key block, not a private key", where)
		default:
			return fmt.Errorf("%s: an armored %q block, not an OpenPGP private key", where, b.Type)
		}
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(b.Data))
		if err != nil {
			return fmt.Errorf("%s: reading the OpenPGP private key: %w", where, err)
		}
		for _, e := range el {
			if e.PrivateKey == nil {
				return fmt.Errorf("%s: the OpenPGP key %X has no private part", where, e.PrimaryKey.Fingerprint)
			}
			if e.PrivateKey.Encrypted {
				return fmt.Errorf("%s: the OpenPGP key %X is protected by a passphrase: export it without one (the repo server cannot enter a passphrase either)", where, e.PrimaryKey.Fingerprint)
			}
			for _, sk := range e.Subkeys {
				if sk.PrivateKey != nil && sk.PrivateKey.Encrypted {
					return fmt.Errorf("%s: a subkey of the OpenPGP key %X is protected by a passphrase: export it without one", where, e.PrimaryKey.Fingerprint)
				}
			}
		}
		pgpKeys = append(pgpKeys, el...)
	}
	var ageIDs []age.Identity
	if bytes.Contains(rest, []byte("AGE-SECRET-KEY-")) {
		ids, err := age.ParseIdentities(bytes.NewReader(rest))
		if err != nil {
			// age's parse errors can quote the offending line: name the file only.
			return fmt.Errorf("%s: not a valid age identity file", source)
		}
		ageIDs = ids
	}
	if len(pgpKeys) == 0 && len(ageIDs) == 0 {
		return fmt.Errorf("%s: %w", source, ErrNotAKey)
	}
	k.pgpPrivate = append(k.pgpPrivate, pgpKeys...)
	k.pgpPublic = append(k.pgpPublic, pgpKeys...)
	k.age = append(k.age, ageIDs...)
	k.sources = append(k.sources, source)
	return nil
}

// Armor block types the keyring reads.
const (
	ArmorPrivateKey = "PGP PRIVATE KEY BLOCK"
	ArmorPublicKey  = "PGP PUBLIC KEY BLOCK"
)

// armoredBlock is one "-----BEGIN TYPE-----" ... "-----END TYPE-----" block of a file.
type armoredBlock struct {
	// Type is the armor type, e.g. "PGP PRIVATE KEY BLOCK".
	Type string
	// Data is the block from its BEGIN line to its END line, both included.
	Data []byte
}

// armoredBlocks splits data into its OpenPGP armored blocks, in order, and returns what lies
// outside them (with each block cut out) as rest. OpenPGP's armor reader stops after the
// first block, so a file of several (two exports one after the other) needs this to be read
// whole. A BEGIN line without its END line is left in rest.
func armoredBlocks(data []byte) (blocks []armoredBlock, rest []byte) {
	const begin, dashes = "-----BEGIN ", "-----"
	for {
		i := bytes.Index(data, []byte(begin))
		if i < 0 {
			return blocks, append(rest, data...)
		}
		typEnd := bytes.Index(data[i+len(begin):], []byte(dashes))
		if typEnd < 0 {
			return blocks, append(rest, data...)
		}
		typ := string(data[i+len(begin) : i+len(begin)+typEnd])
		endLine := []byte("-----END " + typ + dashes)
		j := bytes.Index(data[i:], endLine)
		if j < 0 || strings.ContainsAny(typ, "\n") {
			return blocks, append(rest, data...)
		}
		end := i + j + len(endLine)
		blocks = append(blocks, armoredBlock{Type: typ, Data: data[i:end]})
		rest = append(append(rest, data[:i]...), '\n')
		data = data[end:]
	}
}

// identityFileLimit bounds an identity file: a keyring of a few keys is kilobytes.
const identityFileLimit = 1 << 20

// AddIdentityFile reads an identity file (a regular file of at most 1 MiB: a FIFO is an
// error, not a wait); see AddIdentity.
func (k *Keyring) AddIdentityFile(path string) error {
	data, err := inputfile.Read(path, identityFileLimit)
	if err != nil {
		return fmt.Errorf("reading identity: %w", err)
	}
	return k.AddIdentity(path, data)
}

// AddPublicKey adds armored OpenPGP keys (every block of data; public or private blocks,
// of which only the public part is used), used to encrypt data keys for fingerprints
// of .sops.yaml whose private key the keyring does not hold.
func (k *Keyring) AddPublicKey(source string, data []byte) error {
	blocks, _ := armoredBlocks(data)
	if len(blocks) == 0 {
		return fmt.Errorf("%s: no armored OpenPGP public key in it", source)
	}
	var keys openpgp.EntityList
	for i, b := range blocks {
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(b.Data))
		if err != nil {
			return fmt.Errorf("%s: reading the OpenPGP key of armored block %d: %w", source, i+1, err)
		}
		keys = append(keys, el...)
	}
	k.pgpPublic = append(k.pgpPublic, keys...)
	k.sources = append(k.sources, source)
	return nil
}

// Environment variables sops reads its keys from.
const (
	EnvAgeKeyFile = "SOPS_AGE_KEY_FILE"
	EnvAgeKey     = "SOPS_AGE_KEY"
	EnvGnuPGHome  = "GNUPGHOME"
)

// AddEnvironment adds the keys sops itself would find, for users whose setup already works
// with sops: the age identities of SOPS_AGE_KEY_FILE, of SOPS_AGE_KEY and of sops' default
// file ($XDG_CONFIG_HOME/sops/age/keys.txt), and the GnuPG home (GNUPGHOME or ~/.gnupg) as
// the OpenPGP fallback. getenv is os.Getenv in a program; missing files are skipped,
// unreadable ones are errors.
func (k *Keyring) AddEnvironment(getenv func(string) string) error {
	var errs []error
	if f := getenv(EnvAgeKeyFile); f != "" {
		if err := k.AddIdentityFile(f); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvAgeKeyFile, err))
		}
		k.tried = append(k.tried, "$"+EnvAgeKeyFile+" ("+f+")")
	} else {
		k.tried = append(k.tried, "$"+EnvAgeKeyFile+" (not set)")
	}
	if v := getenv(EnvAgeKey); v != "" {
		ids, err := age.ParseIdentities(strings.NewReader(v))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s does not hold valid age identities", EnvAgeKey))
		} else {
			k.age = append(k.age, ids...)
			k.sources = append(k.sources, "$"+EnvAgeKey)
		}
		k.tried = append(k.tried, "$"+EnvAgeKey)
	} else {
		k.tried = append(k.tried, "$"+EnvAgeKey+" (not set)")
	}
	home := getenv("HOME")
	cfg := getenv("XDG_CONFIG_HOME")
	if cfg == "" && home != "" {
		cfg = filepath.Join(home, ".config")
	}
	if cfg != "" {
		f := filepath.Join(cfg, "sops", "age", "keys.txt")
		if _, err := os.Stat(f); err == nil {
			if err := k.AddIdentityFile(f); err != nil {
				errs = append(errs, err)
			}
			k.tried = append(k.tried, f)
		} else {
			k.tried = append(k.tried, f+" (not found)")
		}
	}
	gh := getenv(EnvGnuPGHome)
	if gh == "" && home != "" {
		gh = filepath.Join(home, ".gnupg")
	}
	if gh != "" {
		if _, err := os.Stat(gh); err == nil {
			k.GnuPGHome = gh
			k.sources = append(k.sources, "GnuPG home "+gh)
			k.tried = append(k.tried, "GnuPG home "+gh)
		} else {
			k.tried = append(k.tried, "GnuPG home "+gh+" (not found)")
		}
	}
	return errors.Join(errs...)
}

// publicEntity finds the OpenPGP key with this fingerprint (full, or the last 16 hex digits
// as sops allows), among public and private keys.
func (k *Keyring) publicEntity(fingerprint string) *openpgp.Entity {
	fp := strings.ToUpper(strings.ReplaceAll(strings.TrimSuffix(fingerprint, "!"), " ", ""))
	for _, e := range k.pgpPublic {
		full := fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)
		if full == fp || len(fp) >= 16 && strings.HasSuffix(full, fp) {
			return e
		}
		for _, sk := range e.Subkeys {
			sub := fmt.Sprintf("%X", sk.PublicKey.Fingerprint)
			if sub == fp || len(fp) >= 16 && strings.HasSuffix(sub, fp) {
				return e
			}
		}
	}
	return nil
}
