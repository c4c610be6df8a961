package cli

import (
	"github.com/spf13/cobra"
)

// NewCmdPolicy groups the commands that check manifests against the platform's rules.
func NewCmdPolicy(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check manifests against the managed platform's rules before Argo CD sees them",
		Long: `policy check reads manifests (files, directories, stdin), renders what the Applications
among them deploy from this repository (Helm charts and Kustomize overlays, in-process), and
checks everything against the platform's rules: no Namespaces or cluster-scoped objects, only
managed namespaces, no plaintext secrets, enabled secret backends, the workload safeguards of
the platform's admission policies. policy rules lists the rules.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdPolicyCheck(root), NewCmdPolicyRules(root))
	return cmd
}
