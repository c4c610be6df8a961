package cli

import (
	"github.com/spf13/cobra"
)

// NewCmdSecrets groups the commands of the platform's three secret backends: helm-secrets
// with sops, SealedSecrets and vals with Vault, plus the pre-commit scan that keeps
// plaintext out of git.
func NewCmdSecrets(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Set up and use the platform's secret backends (helm-secrets/sops, SealedSecrets, vals)",
		Long: `Each flow of the platform's secret management in one or two commands, in Go, producing
files that gpg, sops, helm-secrets, kubeseal and vals accept.

helm-secrets with sops: keygen, init, key-secret, encrypt, decrypt, edit, updatekeys,
rotate, status, wire. SealedSecrets: seal, verify-sealed, reseal. vals with Vault:
vals-secret, vals-ref, vals-check, wire --vals. Scanning before a commit: scan.`,
		Example: `  kubectl ck8sargo secrets keygen --type age --out keys/
  kubectl ck8sargo secrets init --key "$(cat keys/recipient.txt)"
  kubectl ck8sargo secrets encrypt --in-place secrets.yaml`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		NewCmdSecretsKeygen(root), NewCmdSecretsInit(root), NewCmdSecretsKeySecret(root),
		NewCmdSecretsEncrypt(root), NewCmdSecretsDecrypt(root), NewCmdSecretsEdit(root),
		NewCmdSecretsUpdateKeys(root), NewCmdSecretsRotate(root), NewCmdSecretsStatus(root),
		NewCmdSecretsWire(root), NewCmdSecretsScan(root),
		NewCmdSecretsSeal(root), NewCmdSecretsVerifySealed(root), NewCmdSecretsReseal(root),
		NewCmdSecretsValsSecret(root), NewCmdSecretsValsRef(root), NewCmdSecretsValsCheck(root),
	)
	return cmd
}
