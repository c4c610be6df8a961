package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/secrets/vals"
)

type valsSecretOptions struct {
	genericiooptions.IOStreams
	root           *RootOptions
	addr           string
	authMethod     string
	tokenFile      string
	roleID         string
	secretIDFile   string
	vaultNamespace string
	delivery       secretDelivery

	method vals.AuthMethod
}

// NewCmdSecretsValsSecret writes or prints the vals-secret that holds the repo server's
// Vault settings.
func NewCmdSecretsValsSecret(root *RootOptions) *cobra.Command {
	o := &valsSecretOptions{IOStreams: root.IOStreams, root: root}
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
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "", "Vault address (VAULT_ADDR), such as https://vault.example.com:8200")
	f.StringVar(&o.authMethod, "auth-method", "token", "token, approle or kubernetes (VAULT_AUTH_METHOD)")
	f.StringVar(&o.tokenFile, "token-file", "", "file holding the Vault token (VAULT_TOKEN); - for standard input")
	f.StringVar(&o.roleID, "role-id", "", "AppRole role ID, or the Vault role name for kubernetes auth (VAULT_ROLE_ID)")
	f.StringVar(&o.secretIDFile, "secret-id-file", "", "file holding the AppRole secret ID (VAULT_SECRET_ID); - for standard input")
	f.StringVar(&o.vaultNamespace, "vault-namespace", "", "Vault Enterprise namespace (VAULT_NAMESPACE)")
	o.delivery.addFlags(cmd, "yaml or json")
	return cmd
}

// Complete loads the profile, and the clients unless nothing is sent.
func (o *valsSecretOptions) Complete(_ *cobra.Command, _ []string) error {
	return o.delivery.complete(o.root)
}

// Validate checks the auth method, the inputs and what to do with the Secret.
func (o *valsSecretOptions) Validate() (err error) {
	if o.method, err = vals.ParseAuthMethod(o.authMethod); err != nil {
		return UsageErrorf("%w", err)
	}
	if o.tokenFile == "-" && o.secretIDFile == "-" {
		return UsageErrorf("only one of --token-file and --secret-id-file can read standard input")
	}
	return o.delivery.validate()
}

func (o *valsSecretOptions) readValue(flag, path string) (vals.Value, error) {
	if path == "" {
		return vals.Value{}, nil
	}
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(o.In)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return vals.Value{}, UsageErrorf("%s: %w", flag, err)
	}
	return vals.Value{Data: data, Source: fmt.Sprintf("%s %s", flag, displayName(path))}, nil
}

// Run reads the credentials, builds the Secret and delivers it.
func (o *valsSecretOptions) Run(ctx context.Context) error {
	token, err := o.readValue("--token-file", o.tokenFile)
	if err != nil {
		return err
	}
	secretID, err := o.readValue("--secret-id-file", o.secretIDFile)
	if err != nil {
		return err
	}
	s, err := vals.BuildSecret(o.delivery.profile, vals.SecretOptions{
		Addr: o.addr, VaultNamespace: o.vaultNamespace, AuthMethod: o.method,
		Token: token, RoleID: vals.Value{Data: []byte(o.roleID), Source: "--role-id"}, SecretID: secretID,
	})
	if err != nil {
		return UsageErrorf("%w", valsError(err))
	}
	keys := "with keys " + strings.Join(vals.DataKeys(s), ", ")
	applied, err := o.delivery.deliver(ctx, o.Out, s, keys)
	if err != nil || !applied {
		return err
	}
	fmt.Fprintf(o.Out, "Secret %s/%s applied, %s.\n", s.Namespace, s.Name, keys)
	fmt.Fprintln(o.Out, "Next: ask the Platform Administrator to restart the Argo CD repo server (argocd-repo-server); it reads the Vault settings only when it starts.")
	return nil
}
