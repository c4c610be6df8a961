package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/secrets/vals"
)

type valsCheckOptions struct {
	genericiooptions.IOStreams
	file           string
	vaultAddr      string
	vaultNamespace string
	tokenFile      string
	output         *outputFlag
	// getenv reads the environment; os.Getenv unless a test sets it.
	getenv  func(string) string
	envAddr string
}

// NewCmdSecretsValsCheck resolves every vals reference of an Application against Vault.
func NewCmdSecretsValsCheck(root *RootOptions) *cobra.Command {
	o := &valsCheckOptions{IOStreams: root.IOStreams, getenv: os.Getenv}
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
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.vaultAddr, "vault-addr", "", "Vault address (default $VAULT_ADDR)")
	f.StringVar(&o.vaultNamespace, "vault-namespace", "", "Vault Enterprise namespace (default $VAULT_NAMESPACE)")
	f.StringVar(&o.tokenFile, "token-file", "", "file holding your Vault token (default: VAULT_TOKEN, VAULT_TOKEN_FILE, ~/.vault-token)")
	o.output = addOutput(cmd, "output format: text or json", "text", "json")
	return cmd
}

// Complete takes the file and VAULT_ADDR.
func (o *valsCheckOptions) Complete(_ *cobra.Command, args []string) error {
	o.file = args[0]
	o.envAddr = o.getenv("VAULT_ADDR")
	return nil
}

// Validate checks that there is a Vault to ask.
func (o *valsCheckOptions) Validate() error {
	if o.vaultAddr == "" && o.envAddr == "" {
		return UsageErrorf("no Vault address: pass --vault-addr URL or set VAULT_ADDR")
	}
	return nil
}

// Run finds the references, checks each against Vault and prints the results.
func (o *valsCheckOptions) Run(ctx context.Context) error {
	data, err := os.ReadFile(o.file)
	if err != nil {
		return UsageErrorf("%w", err)
	}
	refs, err := vals.FindReferences(data)
	if err != nil {
		return UsageErrorf("%s: %w", o.file, err)
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
	if o.output.is("json") {
		if results == nil {
			results = []vals.Result{} // [] in JSON, not null
		}
		out, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(o.Out, string(out))
	} else {
		if len(results) == 0 {
			fmt.Fprintf(o.Out, "%s: no vals references\n", o.file)
		}
		for _, r := range results {
			line := fmt.Sprintf("%s: %s: %s#%s: %s", o.file, r.Location, r.Path, r.Key, r.Status)
			if r.Message != "" {
				line += ": " + r.Message
			}
			fmt.Fprintln(o.Out, line)
		}
	}
	if bad > 0 {
		return ProblemsFound()
	}
	return nil
}
