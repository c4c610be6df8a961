package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/secrets/vals"
)

type valsRefOptions struct {
	genericiooptions.IOStreams
	path, key string
}

// NewCmdSecretsValsRef prints the fileParameters path of a Vault value.
func NewCmdSecretsValsRef(root *RootOptions) *cobra.Command {
	o := &valsRefOptions{IOStreams: root.IOStreams}
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
		RunE: runCommand(o),
	}
}

// Complete takes PATH and KEY (Args has checked the provider).
func (o *valsRefOptions) Complete(_ *cobra.Command, args []string) error {
	o.path, o.key = args[1], args[2]
	return nil
}

// Validate has nothing to check that Run's vals.Ref does not.
func (o *valsRefOptions) Validate() error { return nil }

// Run prints the reference.
func (o *valsRefOptions) Run(context.Context) error {
	ref, err := vals.Ref(o.path, o.key)
	if err != nil {
		return UsageErrorf("%w", err)
	}
	_, err = fmt.Fprintln(o.Out, ref)
	return err
}
