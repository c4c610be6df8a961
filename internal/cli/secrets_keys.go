package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"filippo.io/age"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// sopsKeyFlags are the key flags of the sops commands: --identity (private keys, to
// decrypt), --public-key (OpenPGP public keys, to encrypt) and --sops-config.
type sopsKeyFlags struct {
	identities []string
	publicKeys []string
	configFile string
	// maxFileSize is --max-file-size as given; Bytes() is what it allows.
	maxFileSize string
	// getenv reads the environment; os.Getenv unless a test sets it.
	getenv func(string) string
}

func (k *sopsKeyFlags) addFlags(fs *pflag.FlagSet, encrypt bool) {
	fs.StringArrayVar(&k.identities, "identity", nil, "private key file: an armored OpenPGP key without passphrase or an age identity file (repeatable); without it, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, ~/.config/sops/age/keys.txt and the GnuPG home are used, as sops does")
	if encrypt {
		fs.StringArrayVar(&k.publicKeys, "public-key", nil, "armored OpenPGP public key file for a fingerprint of .sops.yaml (repeatable); without it, GnuPG's keyring is asked")
	}
	fs.StringVar(&k.configFile, "sops-config", "", "the .sops.yaml to use (default: the nearest one in the file's directory or above)")
	fs.StringVar(&k.maxFileSize, "max-file-size", defaultSecretsMaxFileSize, "largest input file read; a larger one is refused (values files are far smaller; raise it for a file you mean)")
}

// defaultSecretsMaxFileSize bounds every file the secrets commands read: a values file or a
// Secret manifest is kilobytes, and an input of hundreds of megabytes took minutes and
// gigabytes.
const defaultSecretsMaxFileSize = "16Mi"

// defaultSecretsMaxBytes is defaultSecretsMaxFileSize in bytes.
const defaultSecretsMaxBytes = 16 << 20

// parseMaxFileSize reads a --max-file-size value such as 16Mi or 1000000.
func parseMaxFileSize(v string) (int64, error) {
	if v == "" {
		v = defaultSecretsMaxFileSize
	}
	q, err := resource.ParseQuantity(v)
	if err != nil || q.Value() <= 0 {
		return 0, UsageErrorf("--max-file-size %q: use a size such as 16Mi or 1000000", v)
	}
	return q.Value(), nil
}

// limit is the --max-file-size in bytes.
func (k *sopsKeyFlags) limit() (int64, error) { return parseMaxFileSize(k.maxFileSize) }

// read is readInput within --max-file-size (checked by client).
func (k *sopsKeyFlags) read(name string) ([]byte, fs.FileMode, error) {
	lim, err := k.limit()
	if err != nil {
		return nil, 0, err
	}
	return readInput(name, lim)
}

// keyring loads the keys in process. Without --identity, it falls back to what sops reads.
func (k *sopsKeyFlags) keyring() (*sops.Keyring, error) {
	kr := sops.NewKeyring()
	for _, f := range k.identities {
		if err := kr.AddIdentityFile(f); err != nil {
			if isAgeRecipient(f) {
				return nil, UsageErrorf("--identity %s: an age public key (recipient) cannot decrypt: pass the age identity (the file with its AGE-SECRET-KEY-... line) rather than the public recipient", f)
			}
			return nil, UsageErrorf("--identity %s: %w", f, trimPrefix(err, f))
		}
	}
	for _, f := range k.publicKeys {
		data, err := inputfile.Read(f, keyFileLimit)
		if err != nil {
			return nil, UsageErrorf("--public-key: %w", err)
		}
		if err := kr.AddPublicKey(f, data); err != nil {
			return nil, UsageErrorf("--public-key %s: %w", f, trimPrefix(err, f))
		}
	}
	if len(k.identities) == 0 {
		getenv := k.getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		if err := kr.AddEnvironment(getenv); err != nil {
			return nil, err
		}
	}
	return kr, nil
}

// isAgeRecipient says whether an --identity that did not load is the public half of an age
// key: the recipient itself (age1...) in place of a file, or a file of recipients such as
// the recipient file keygen writes. Passing it instead of the identity is a common slip, and
// "no such file" or "not a key" would not say what to pass instead.
func isAgeRecipient(f string) bool {
	if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
		_, err := age.ParseX25519Recipient(f)
		return err == nil
	}
	data, err := inputfile.Read(f, keyFileLimit)
	if err != nil {
		return false
	}
	rs, err := age.ParseRecipients(bytes.NewReader(data))
	return err == nil && len(rs) > 0
}

func (k *sopsKeyFlags) client() (*sops.Client, error) {
	if _, err := k.limit(); err != nil {
		return nil, err
	}
	kr, err := k.keyring()
	if err != nil {
		return nil, err
	}
	return &sops.Client{Keyring: kr, ConfigFile: k.configFile}, nil
}

// trimPrefix drops a leading "NAME: " from err's message, where the flag already names the
// file; the chain stays, for errors.Is and errors.As.
func trimPrefix(err error, name string) error {
	s := err.Error()
	if len(s) > len(name)+2 && s[:len(name)+2] == name+": " {
		return &trimmedError{msg: s[len(name)+2:], err: err}
	}
	return err
}

// trimmedError is an error with a shorter message and the same chain.
type trimmedError struct {
	msg string
	err error
}

func (e *trimmedError) Error() string { return e.msg }
func (e *trimmedError) Unwrap() error { return e.err }

// keyFileLimit bounds a key file: an armored keyring of a few keys is kilobytes.
const keyFileLimit = 1 << 20

// readInput reads a file named on the command line, a regular file of at most limit bytes
// (limit <= 0: the default), as a usage error when it cannot: a FIFO or a device is refused
// before it is opened, so that nothing waits on it.
func readInput(name string, limit int64) ([]byte, fs.FileMode, error) {
	if limit <= 0 {
		limit = defaultSecretsMaxBytes
	}
	fi, err := inputfile.Check(name)
	if err != nil {
		if fi != nil && fi.IsDir() {
			return nil, 0, UsageErrorf("%s is a directory: give files", name)
		}
		return nil, 0, UsageErrorf("%w", err)
	}
	data, err := inputfile.Read(name, limit)
	if err != nil {
		return nil, 0, secretsInputError(err)
	}
	return data, fi.Mode().Perm(), nil
}

// secretsInputError words an inputfile error for the command line: a file over the limit says how
// to raise it.
func secretsInputError(err error) error {
	var tl *inputfile.TooLargeError
	if errors.As(err, &tl) {
		return UsageErrorf("%w: pass --max-file-size with a larger size if the file is meant to be this big", err)
	}
	return UsageErrorf("%w", err)
}

// replaceFile writes data over name atomically, keeping its mode.
func replaceFile(name string, data []byte, mode fs.FileMode) error {
	if err := atomicfile.Write(name, data, mode); err != nil {
		return fmt.Errorf("%s was left as it was: %w", name, err)
	}
	return nil
}

// fileArgs are the FILE... arguments of a secrets command. Its Complete takes them and its
// Validate has nothing to check (the flags were checked when parsed, the key flags are
// checked when the keys load), for the commands that need no more.
type fileArgs struct{ files []string }

// Complete takes the files.
func (a *fileArgs) Complete(_ *cobra.Command, args []string) error {
	a.files = args
	return nil
}

// Validate has nothing to check.
func (a *fileArgs) Validate() error { return nil }
