package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

type verifySealedOptions struct {
	sealedFilesOptions
	output *outputFlag
}

// NewCmdSecretsVerifySealed asks the controller whether it can decrypt SealedSecrets.
func NewCmdSecretsVerifySealed(root *RootOptions) *cobra.Command {
	o := &verifySealedOptions{sealedFilesOptions: sealedFilesOptions{IOStreams: root.IOStreams, root: root}}
	cmd := &cobra.Command{
		Use:   "verify-sealed FILE...",
		Short: "Ask the sealed-secrets controller whether it can decrypt SealedSecrets",
		Long: `verify-sealed sends each SealedSecret of the files to the controller's /v1/verify endpoint
(through the API server's service proxy, or --controller-url). It exits 1 when the
controller cannot decrypt one: sealed for another cluster or key, or moved to another name
or namespace than its scope allows. Nothing is applied and no value is shown.`,
		Example: `  kubectl ck8sargo secrets verify-sealed mysealedsecret.yaml
  kubectl ck8sargo secrets verify-sealed deploy/*.sealed.yaml -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: runCommand(o),
	}
	o.addControllerURL(cmd)
	o.output = addOutput(cmd, "output format: text or json", "text", "json")
	return cmd
}

// verifyFileResult is one verdict of verify-sealed, with the file it came from.
type verifyFileResult struct {
	File string `json:"file"`
	sealed.VerifyResult
}

// Run reads the files, asks the controller about each SealedSecret and prints the verdicts.
func (o *verifySealedOptions) Run(ctx context.Context) error {
	byFile, ctrl, err := o.open()
	if err != nil {
		return err
	}
	var results []verifyFileResult
	bad := 0
	for _, f := range o.files {
		for _, ss := range byFile[f] {
			r, err := sealed.Verify(ctx, ctrl, ss)
			if err != nil {
				return fmt.Errorf("%s: %w", f, sealedError(err))
			}
			if !r.Decryptable {
				bad++
			}
			results = append(results, verifyFileResult{File: f, VerifyResult: r})
		}
	}
	if o.output.is("json") {
		if err := printStructured(o.Out, "json", results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			verdict := "the controller can decrypt it"
			if !r.Decryptable {
				verdict = "the controller CANNOT decrypt it: reseal it, or seal it again for this name, namespace and cluster"
			}
			fmt.Fprintf(o.Out, "%s: SealedSecret %s/%s: %s\n", r.File, r.Namespace, r.Name, verdict)
		}
	}
	if bad > 0 {
		return ProblemsFound()
	}
	return nil
}
