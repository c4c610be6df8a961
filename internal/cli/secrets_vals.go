package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/secrets/vals"
)

type valsSecretOptions struct {
	root           *RootOptions
	addr           string
	authMethod     string
	tokenFile      string
	roleID         string
	secretIDFile   string
	vaultNamespace string
	delivery       secretDelivery
}

// NewCmdSecretsValsSecret writes or prints the vals-secret that holds the repo server's
// Vault settings.
func NewCmdSecretsValsSecret(root *RootOptions) *cobra.Command {
	o := &valsSecretOptions{root: root}
	cmd := &cobra.Command{
		Use:   "vals-secret --addr URL [--auth-method token|approle|kubernetes] [--token-file F | --role-id ID --secret-id-file F] [-o yaml|--apply]",
		Short: "Create the vals-secret with the Vault settings of Argo CD's repo server",
		Long: `vals-secret builds the Secret that the repo server reads its Vault settings from: its name
and label come from the profile (features.vals, default vals-secret in the Argo CD
namespace), its data are VAULT_ADDR, VAULT_AUTH_METHOD and the credentials of the auth
method, taken byte for byte. No base64 by hand, and so no newline by mistake: a token or
secret ID file that ends with a newline is refused with an explanation.

A role ID is accepted only with --auth-method approle and a secret ID: with VAULT_ROLE_ID
alone vals silently logs in with VAULT_TOKEN instead. --auth-method kubernetes takes the
Vault role name as --role-id and logs in with the repo server's service account.

-o yaml prints the Secret (it holds the credentials, base64-encoded: do not commit it);
--apply creates or updates it with server-side apply as you (field manager
kubectl-ck8sargo), --dry-run=server lets the API server check it without storing it, and
--dry-run=client sends nothing (with -o yaml it prints the Secret). The
repo server reads the Secret only when it starts: ask the Platform Administrator to restart
it afterwards. -n/--namespace is kubectl's; the Vault namespace is --vault-namespace.`,
		Example: `  # Token auth; the file must hold the token without a trailing newline
  printf '%s' "$VAULT_TOKEN" > vault-token
  kubectl ck8sargo secrets vals-secret --addr https://vault.example.com:8200 --token-file vault-token --apply
  # AppRole
  kubectl ck8sargo secrets vals-secret --addr https://vault.example.com:8200 --auth-method approle \
      --role-id 0b1c... --secret-id-file secret-id --apply
  # Review it first
  kubectl ck8sargo secrets vals-secret --addr https://vault.example.com:8200 --token-file vault-token -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "", "Vault address (VAULT_ADDR), such as https://vault.example.com:8200")
	f.StringVar(&o.authMethod, "auth-method", "token", "token, approle or kubernetes (VAULT_AUTH_METHOD)")
	f.StringVar(&o.tokenFile, "token-file", "", "file holding the Vault token (VAULT_TOKEN); - for standard input")
	f.StringVar(&o.roleID, "role-id", "", "AppRole role ID, or the Vault role name for kubernetes auth (VAULT_ROLE_ID)")
	f.StringVar(&o.secretIDFile, "secret-id-file", "", "file holding the AppRole secret ID (VAULT_SECRET_ID); - for standard input")
	f.StringVar(&o.vaultNamespace, "vault-namespace", "", "Vault Enterprise namespace (VAULT_NAMESPACE)")
	o.delivery.addFlags(f, "yaml or json")
	return cmd
}

func (o *valsSecretOptions) Validate() error {
	if _, err := vals.ParseAuthMethod(o.authMethod); err != nil {
		return UsageErrorf("%v", err)
	}
	if o.tokenFile == "-" && o.secretIDFile == "-" {
		return UsageErrorf("only one of --token-file and --secret-id-file can read standard input")
	}
	return o.delivery.validate("yaml", "json")
}

func (o *valsSecretOptions) readValue(flag, path string) (vals.Value, error) {
	if path == "" {
		return vals.Value{}, nil
	}
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(o.root.In)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return vals.Value{}, UsageErrorf("%s: %v", flag, err)
	}
	return vals.Value{Data: data, Source: fmt.Sprintf("%s %s", flag, displayName(path))}, nil
}

func (o *valsSecretOptions) Run(ctx context.Context) error {
	method, _ := vals.ParseAuthMethod(o.authMethod)
	token, err := o.readValue("--token-file", o.tokenFile)
	if err != nil {
		return err
	}
	secretID, err := o.readValue("--secret-id-file", o.secretIDFile)
	if err != nil {
		return err
	}
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	s, err := vals.BuildSecret(p, vals.SecretOptions{
		Addr: o.addr, VaultNamespace: o.vaultNamespace, AuthMethod: method,
		Token: token, RoleID: vals.Value{Data: []byte(o.roleID), Source: "--role-id"}, SecretID: secretID,
	})
	if err != nil {
		return UsageErrorf("%v", err)
	}
	keys := "with keys " + strings.Join(vals.DataKeys(s), ", ")
	applied, err := o.delivery.deliver(ctx, o.root, s, keys)
	if err != nil || !applied {
		return err
	}
	fmt.Fprintf(o.root.Out, "Secret %s/%s applied, %s.\n", s.Namespace, s.Name, keys)
	fmt.Fprintln(o.root.Out, "Next: ask the Platform Administrator to restart the Argo CD repo server (argocd-repo-server); it reads the Vault settings only when it starts.")
	return nil
}

// NewCmdSecretsValsRef prints the fileParameters path of a Vault value.
func NewCmdSecretsValsRef(root *RootOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "vals-ref vault PATH KEY",
		Short: "Print the Helm fileParameters path that takes a value from Vault",
		Long: `vals-ref prints secrets+literal://vals!ref+vault://PATH#/KEY: put it as the path of an entry
of spec.source.helm.fileParameters, or let secrets wire --vals NAME=vault:PATH#KEY do it.`,
		Example: `  kubectl ck8sargo secrets vals-ref vault secret/data/shop password
  # secrets+literal://vals!ref+vault://secret/data/shop#/password`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 3 || args[0] != "vault" {
				return UsageErrorf("usage: vals-ref vault PATH KEY (only vault is supported)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := vals.Ref(args[1], args[2])
			if err != nil {
				return UsageErrorf("%v", err)
			}
			_, err = fmt.Fprintln(root.Out, ref)
			return err
		},
	}
}

type valsCheckOptions struct {
	root           *RootOptions
	file           string
	vaultAddr      string
	vaultNamespace string
	tokenFile      string
	output         string
}

// NewCmdSecretsValsCheck resolves every vals reference of an Application against Vault.
func NewCmdSecretsValsCheck(root *RootOptions) *cobra.Command {
	o := &valsCheckOptions{root: root}
	cmd := &cobra.Command{
		Use:   "vals-check APP.yaml [--vault-addr URL] [--token-file F]",
		Short: "Check that every Vault reference of an Application resolves, without showing values",
		Long: `vals-check finds every vals reference (ref+vault://PATH#/KEY) in the Application and reads
it from Vault with vals' own Vault provider, as the repo server would, with your token
(--token-file, else VAULT_TOKEN, VAULT_TOKEN_FILE or ~/.vault-token). It reports each as
found, missing (no secret at the path, or no such key) or error (denied, unreachable), and
exits 1 unless all are found. Values are never printed. References to other vals providers
are listed as unsupported.`,
		Example: `  kubectl ck8sargo secrets vals-check app.yaml --vault-addr https://vault.example.com:8200
  VAULT_TOKEN=... kubectl ck8sargo secrets vals-check app.yaml -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			if err := validateOutput(o.output, "text", "json"); err != nil {
				return err
			}
			if o.vaultAddr == "" && os.Getenv("VAULT_ADDR") == "" {
				return UsageErrorf("no Vault address: pass --vault-addr URL or set VAULT_ADDR")
			}
			return o.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.vaultAddr, "vault-addr", "", "Vault address (default $VAULT_ADDR)")
	f.StringVar(&o.vaultNamespace, "vault-namespace", "", "Vault Enterprise namespace (default $VAULT_NAMESPACE)")
	f.StringVar(&o.tokenFile, "token-file", "", "file holding your Vault token (default: VAULT_TOKEN, VAULT_TOKEN_FILE, ~/.vault-token)")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	return cmd
}

func (o *valsCheckOptions) Run(ctx context.Context) error {
	data, err := os.ReadFile(o.file)
	if err != nil {
		return UsageErrorf("%v", err)
	}
	refs, err := vals.FindReferences(data)
	if err != nil {
		return UsageErrorf("%s: %v", o.file, err)
	}
	results, err := vals.Check(ctx, refs, vals.VaultConfig{Addr: o.vaultAddr, Namespace: o.vaultNamespace, TokenFile: o.tokenFile})
	if err != nil {
		return err
	}
	bad := 0
	for _, r := range results {
		if r.Status == vals.StatusMissing || r.Status == vals.StatusError {
			bad++
		}
	}
	if o.output == "json" {
		out, err := vals.MarshalResults(results)
		if err != nil {
			return err
		}
		fmt.Fprintln(o.root.Out, string(out))
	} else {
		if len(results) == 0 {
			fmt.Fprintf(o.root.Out, "%s: no vals references\n", o.file)
		}
		for _, r := range results {
			line := fmt.Sprintf("%s: %s: %s#%s: %s", o.file, r.Location, r.Path, r.Key, r.Status)
			if r.Message != "" {
				line += ": " + r.Message
			}
			fmt.Fprintln(o.root.Out, line)
		}
	}
	if bad > 0 {
		return ProblemsFound()
	}
	return nil
}
