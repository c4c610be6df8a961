package cli

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// sopsKeyFlags are the key flags of the sops commands: --identity (private keys, to
// decrypt), --public-key (OpenPGP public keys, to encrypt) and --sops-config.
type sopsKeyFlags struct {
	identities []string
	publicKeys []string
	configFile string
	// getenv reads the environment; os.Getenv unless a test sets it.
	getenv func(string) string
}

func (k *sopsKeyFlags) addFlags(fs *pflag.FlagSet, encrypt bool) {
	fs.StringArrayVar(&k.identities, "identity", nil, "private key file: an armored OpenPGP key without passphrase or an age identity file (repeatable); without it, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, ~/.config/sops/age/keys.txt and the GnuPG home are used, as sops does")
	if encrypt {
		fs.StringArrayVar(&k.publicKeys, "public-key", nil, "armored OpenPGP public key file for a fingerprint of .sops.yaml (repeatable); without it, GnuPG's keyring is asked")
	}
	fs.StringVar(&k.configFile, "sops-config", "", "the .sops.yaml to use (default: the nearest one in the file's directory or above)")
}

// keyring loads the keys in process. Without --identity, it falls back to what sops reads.
func (k *sopsKeyFlags) keyring() (*sops.Keyring, error) {
	kr := sops.NewKeyring()
	for _, f := range k.identities {
		if err := kr.AddIdentityFile(f); err != nil {
			return nil, UsageErrorf("--identity %s: %v", f, trimPrefix(err, f))
		}
	}
	for _, f := range k.publicKeys {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, UsageErrorf("--public-key: %v", err)
		}
		if err := kr.AddPublicKey(f, data); err != nil {
			return nil, UsageErrorf("--public-key %s: %v", f, trimPrefix(err, f))
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

func (k *sopsKeyFlags) client() (*sops.Client, error) {
	kr, err := k.keyring()
	if err != nil {
		return nil, err
	}
	return &sops.Client{Keyring: kr, ConfigFile: k.configFile}, nil
}

// trimPrefix drops a leading "NAME: " from err, where the flag already names the file.
func trimPrefix(err error, name string) string {
	s := err.Error()
	if len(s) > len(name)+2 && s[:len(name)+2] == name+": " {
		return s[len(name)+2:]
	}
	return s
}

// readInput reads a file named on the command line as a usage error when it cannot.
func readInput(name string) ([]byte, fs.FileMode, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, 0, UsageErrorf("%v", err)
	}
	if fi.IsDir() {
		return nil, 0, UsageErrorf("%s is a directory: give files", name)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, 0, UsageErrorf("%v", err)
	}
	return data, fi.Mode().Perm(), nil
}

// replaceFile writes data over name atomically, keeping its mode.
func replaceFile(name string, data []byte, mode fs.FileMode) error {
	if err := atomicfile.Write(name, data, mode); err != nil {
		return fmt.Errorf("%s was left as it was: %w", name, err)
	}
	return nil
}
