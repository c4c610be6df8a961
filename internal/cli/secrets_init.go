package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
	"github.com/ck8sargo/ck8sargo/secrets/sopsconfig"
)

type secretsInitOptions struct {
	genericiooptions.IOStreams
	key            string
	pathRegex      string
	encryptedRegex string
	file           string
	output         *outputFlag
	gnupgImport    bool
	// getenv reads the environment; os.Getenv unless a test sets it.
	getenv func(string) string
}

// NewCmdSecretsInit creates or extends .sops.yaml with a creation rule.
func NewCmdSecretsInit(root *RootOptions) *cobra.Command {
	o := &secretsInitOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "init --key PUBKEY_OR_RECIPIENT [--path-regex REGEX]",
		Short: "Create or extend .sops.yaml with a creation rule for a key",
		Long: `init writes the .sops.yaml that tells sops (and helm-secrets, and this plugin) whom to encrypt
for. --key is an OpenPGP fingerprint, an age recipient, or a key file: public.asc,
private.asc, recipient.txt or key.txt (only the public part is used).

The key is added to the creation rule with the same --path-regex (none: the rule for every
file, as in the platform's documentation), or a new rule is made: before the first rule
without path_regex, as sops uses the first rule that matches. Every other rule, key and
comment is kept. A rule with a path_regex also tells 'secrets scan' which files must be
encrypted.`,
		Example: `  kubectl ck8sargo secrets init --key keys/public.asc
  kubectl ck8sargo secrets init --key age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p --path-regex 'secrets(\..+)?\.yaml$'
  # Secret manifests: encrypt only data and stringData
  kubectl ck8sargo secrets init --key keys/public.asc --path-regex 'secret\.yaml$' --encrypted-regex '^(data|stringData)$'`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "OpenPGP fingerprint, age recipient, or key file (required)")
	f.StringVar(&o.pathRegex, "path-regex", "", "path_regex of the rule (default: none, every file)")
	f.StringVar(&o.encryptedRegex, "encrypted-regex", "", "encrypted_regex of a new rule, e.g. ^(data|stringData)$")
	f.StringVar(&o.file, "file", ".sops.yaml", "the .sops.yaml to create or extend")
	o.output = addOutput(cmd, "output format: text or json", "text", "json")
	f.BoolVar(&o.gnupgImport, "gnupg-import", true, "import an OpenPGP key file's public part into the GnuPG keyring sops reads")
	return cmd
}

type initOutput struct {
	File string `json:"file"`
	Type string `json:"type"`
	Key  string `json:"key"`
	sopsconfig.InitResult
	// GnuPGHome is where the OpenPGP public key was imported; empty when it was not.
	GnuPGHome string `json:"gnupgHome,omitempty"`
}

// Complete sets the environment lookup, unless a test gave one.
func (o *secretsInitOptions) Complete(*cobra.Command, []string) error {
	if o.getenv == nil {
		o.getenv = os.Getenv
	}
	return nil
}

// Validate checks that there is a key.
func (o *secretsInitOptions) Validate() error {
	if o.key == "" {
		return UsageErrorf("--key is required: a fingerprint, an age recipient or a key file")
	}
	return nil
}

// Run reads the key, adds it to .sops.yaml (after importing it into GnuPG) and says what
// changed.
func (o *secretsInitOptions) Run(ctx context.Context) error {
	keyData := []byte(o.key)
	if fi, err := os.Stat(o.key); err == nil && !fi.IsDir() {
		if keyData, err = os.ReadFile(o.key); err != nil {
			return UsageErrorf("--key: %w", err)
		}
	}
	pk, err := sopsconfig.ParsePublicKey(keyData)
	if err != nil {
		return UsageErrorf("--key %s: %w", describeKeyArg(o.key), err)
	}
	if fi, err := os.Stat(filepath.Dir(o.file)); err != nil || !fi.IsDir() {
		return UsageErrorf("--file %s: the directory %s does not exist", o.file, filepath.Dir(o.file))
	}
	existing, err := os.ReadFile(o.file)
	mode := fs.FileMode(0o644)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if fi, err := os.Stat(o.file); err == nil {
		mode = fi.Mode().Perm()
	}
	out, res, err := sopsconfig.InitConfig(existing, sopsconfig.InitOptions{Key: pk, PathRegex: o.pathRegex, EncryptedRegex: o.encryptedRegex})
	if err != nil {
		return UsageErrorf("%s: %w", o.file, sopsconfigError(err))
	}
	// The key goes into GnuPG first: when that fails, .sops.yaml is left as it was.
	home, err := o.importPGP(ctx, pk, keyData)
	if err != nil {
		return err
	}
	if res.KeyAdded {
		if err := atomicfile.Write(o.file, out, mode); err != nil {
			return err
		}
	}
	if o.output.is("json") {
		return printStructured(o.Out, "json", initOutput{File: o.file, Type: string(pk.Type), Key: pk.ID, InitResult: res, GnuPGHome: home})
	}
	if home != "" {
		fmt.Fprintf(o.Out, "imported the public key %s into GnuPG home %s: secrets encrypt and the sops CLI find it there\n", pk.ID, home)
	}
	switch {
	case !res.KeyAdded:
		fmt.Fprintf(o.Out, "%s: creation rule %d already names %s %s; nothing changed\n", o.file, res.RuleIndex+1, pk.Type, pk.ID)
	case res.NewRule:
		fmt.Fprintf(o.Out, "%s: added creation rule %d for %s %s\n", o.file, res.RuleIndex+1, pk.Type, pk.ID)
	default:
		fmt.Fprintf(o.Out, "%s: added %s %s to creation rule %d\n", o.file, pk.Type, pk.ID, res.RuleIndex+1)
		fmt.Fprintf(o.Out, "files already encrypted are not yet readable with it: run kubectl ck8sargo secrets updatekeys FILE...\n")
	}
	return nil
}

// importPGP imports an OpenPGP key file's public part into the GnuPG home sops reads, and
// returns that home; "" when there is nothing to import. Without gpg it warns and goes
// on: .sops.yaml is still right, and encrypt then needs --public-key.
func (o *secretsInitOptions) importPGP(ctx context.Context, pk sopsconfig.PublicKey, keyData []byte) (string, error) {
	if !o.gnupgImport || pk.Type != sopsconfig.KeyTypePGP || !strings.Contains(string(keyData), "-----BEGIN PGP") {
		return "", nil
	}
	home := o.getenv(sops.EnvGnuPGHome)
	if home == "" {
		h := o.getenv("HOME")
		if h == "" {
			return "", UsageErrorf("neither GNUPGHOME nor HOME is set, so there is no GnuPG keyring to import --key into: set one, or pass --gnupg-import=false and give --public-key to encrypt")
		}
		home = filepath.Join(h, ".gnupg")
	}
	if _, err := sops.ImportPublicKeys(ctx, home, keyData); err != nil {
		if errors.Is(err, sops.ErrNoGnuPG) {
			fmt.Fprintf(o.ErrOut, "warning: gpg is not installed, so the public key was not imported: give it to encrypt with --public-key %s (the sops CLI needs gpg for OpenPGP keys)\n", describeKeyArg(o.key))
			return "", nil
		}
		return "", UsageErrorf("--key %s: importing the public key into GnuPG home %s: %w", describeKeyArg(o.key), home, err)
	}
	return home, nil
}

// describeKeyArg names --key in an error without echoing what may be a private key pasted
// on the command line.
func describeKeyArg(key string) string {
	if _, err := os.Stat(key); err == nil {
		return filepath.Clean(key)
	}
	if len(key) > 80 || strings.Contains(strings.ToUpper(key), "SECRET") || strings.Contains(strings.ToUpper(key), "PRIVATE") {
		return "(the value given)"
	}
	return fmt.Sprintf("%q", key)
}
