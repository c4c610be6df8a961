package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

type secretsKeygenOptions struct {
	genericiooptions.IOStreams
	keyType   string
	name      string
	email     string
	algorithm string
	out       string
	force     bool
	output    *outputFlag
}

// keygenOutput is the JSON form of keygen's result; it never holds the private key.
type keygenOutput struct {
	Type           string `json:"type"`
	Fingerprint    string `json:"fingerprint,omitempty"`
	Recipient      string `json:"recipient,omitempty"`
	PrivateKeyFile string `json:"privateKeyFile"`
	PublicKeyFile  string `json:"publicKeyFile"`
}

// NewCmdSecretsKeygen generates a helm-secrets key pair without passphrase.
func NewCmdSecretsKeygen(root *RootOptions) *cobra.Command {
	o := &secretsKeygenOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "keygen --type pgp|age [--name NAME] [--out DIR]",
		Short: "Generate a key pair for helm-secrets, without passphrase",
		Long: `keygen makes the key pair that sops encrypts values files for and that Argo CD's repo server
decrypts them with. It has no passphrase, as the repo server cannot enter one.

--type pgp writes DIR/private.asc (0600, armored, importable with gpg --import; the file
the helm-secrets-private-keys Secret holds) and DIR/public.asc. The key is an OpenPGP v4
key without AEAD, which GnuPG 2.2 and 2.4 both import: RSA 4096 by default, or
--algorithm ed25519 (ed25519 signing key with a cv25519 encryption subkey).

--type age writes DIR/key.txt (0600, in age-keygen's format) and DIR/recipient.txt.

The fingerprint or recipient is printed; the private key never is. An existing key is not
overwritten without --force.

Inside a git work tree, keygen warns and adds the private key file to .git/info/exclude
(local to the clone), so that git add does not take it; better, write keys outside the
repository.`,
		Example: `  # the platform's documented flow, without gpg
  kubectl ck8sargo secrets keygen --type pgp --out keys/
  kubectl ck8sargo secrets init --key keys/public.asc
  kubectl ck8sargo secrets key-secret --private-key keys/private.asc --apply

  # an age key, printed as JSON for a script
  kubectl ck8sargo secrets keygen --type age --out keys/ -o json`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.keyType, "type", "", "key type: pgp or age (required)")
	f.StringVar(&o.name, "name", "helm-secrets", "name of the OpenPGP user ID")
	f.StringVar(&o.email, "email", "", "email of the OpenPGP user ID")
	f.StringVar(&o.algorithm, "algorithm", string(sops.PGPRSA4096), "OpenPGP algorithm: rsa4096 or ed25519")
	f.StringVar(&o.out, "out", ".", "directory to write the key files into")
	f.BoolVar(&o.force, "force", false, "overwrite existing key files")
	o.output = addOutput(cmd, "output format: text or json", "text", "json")
	return cmd
}

// Complete has nothing to read: keygen takes no arguments and asks no cluster.
func (o *secretsKeygenOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate checks the key type and algorithm.
func (o *secretsKeygenOptions) Validate() error {
	switch sops.KeyType(o.keyType) {
	case sops.KeyTypePGP, sops.KeyTypeAge:
	case "":
		return UsageErrorf("--type is required: pgp or age")
	default:
		return UsageErrorf("unknown --type %q: use pgp or age", o.keyType)
	}
	switch sops.PGPAlgorithm(o.algorithm) {
	case sops.PGPRSA4096, sops.PGPEd25519:
	default:
		return UsageErrorf("unknown --algorithm %q: use rsa4096 or ed25519", o.algorithm)
	}
	return nil
}

// Run generates the key, writes its files and says what to do next.
func (o *secretsKeygenOptions) Run(context.Context) error {
	k, err := sops.GenerateKey(sops.KeygenOptions{
		Type: sops.KeyType(o.keyType), Name: o.name, Email: o.email, Algorithm: sops.PGPAlgorithm(o.algorithm),
	})
	if err != nil {
		return UsageErrorf("%w", err)
	}
	files, err := k.WriteFiles(o.out, o.force)
	if err != nil {
		return sopsError(err)
	}
	// A private key inside a work tree is one `git add .` away from the repository.
	ex, err := excludeFromGit(files.PrivateKeyFile)
	switch {
	case err != nil:
		fmt.Fprintf(o.ErrOut, "warning: %s is inside a git work tree and could be committed; adding it to .git/info/exclude failed: %s\n", files.PrivateKeyFile, oneline.Lines(err.Error()))
	case ex.WorkTree != "":
		fmt.Fprintf(o.ErrOut, "warning: the private key %s is inside the git work tree %s: keep keys outside the repository; %s is in %s so that git does not offer it\n", files.PrivateKeyFile, ex.WorkTree, ex.Pattern, ex.ExcludeFile)
	}
	res := keygenOutput{Type: o.keyType, Fingerprint: k.Fingerprint, Recipient: k.Recipient,
		PrivateKeyFile: files.PrivateKeyFile, PublicKeyFile: files.PublicKeyFile}
	if o.output.is("json") {
		return printStructured(o.Out, "json", res)
	}
	w := o.Out
	fmt.Fprintf(w, "wrote %s (private key, 0600: keep it out of git) and %s\n", files.PrivateKeyFile, files.PublicKeyFile)
	if k.Type == sops.KeyTypePGP {
		fmt.Fprintf(w, "fingerprint: %s\n", k.Fingerprint)
	} else {
		fmt.Fprintf(w, "recipient: %s\n", k.Recipient)
	}
	fmt.Fprintf(w, "next: kubectl ck8sargo secrets init --key %s\n", files.PublicKeyFile)
	fmt.Fprintf(w, "      kubectl ck8sargo secrets key-secret --private-key %s --apply\n", files.PrivateKeyFile)
	return nil
}
