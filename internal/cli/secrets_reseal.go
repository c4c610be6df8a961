package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

type resealOptions struct {
	sealedFilesOptions
}

// NewCmdSecretsReseal re-encrypts SealedSecret files with the controller's newest key.
func NewCmdSecretsReseal(root *RootOptions) *cobra.Command {
	o := &resealOptions{sealedFilesOptions: sealedFilesOptions{IOStreams: root.IOStreams, root: root}}
	cmd := &cobra.Command{
		Use:   "reseal FILE...",
		Short: "Re-encrypt SealedSecret files with the controller's current key (after a key rotation)",
		Long: `reseal sends each SealedSecret to the controller's /v1/rotate endpoint, which decrypts it
with whichever of its keys sealed it and encrypts it again with its newest key; the
plaintext never leaves the controller. The file is rewritten in place (atomically, with its
mode), keeping metadata and template as they were; only encryptedData changes. A file is
left untouched when any of its SealedSecrets cannot be resealed.`,
		Example: `  kubectl ck8sargo secrets reseal deploy/mysealedsecret.yaml
  kubectl ck8sargo secrets reseal $(git ls-files '*sealed*.yaml')`,
		Args: cobra.MinimumNArgs(1),
		RunE: runCommand(o),
	}
	o.addControllerURL(cmd)
	return cmd
}

// Run reads every file, has the controller reseal each SealedSecret and rewrites the files.
func (o *resealOptions) Run(ctx context.Context) error {
	byFile, ctrl, err := o.open()
	if err != nil {
		return err
	}
	for _, f := range o.files {
		list := byFile[f]
		out := make([]*ssv1alpha1.SealedSecret, 0, len(list))
		for _, ss := range list {
			re, err := sealed.Reseal(ctx, ctrl, ss)
			if err != nil {
				return fmt.Errorf("%s (left unchanged): %w", f, sealedError(err))
			}
			out = append(out, re)
		}
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		orig, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		format := "yaml"
		if bytes.HasPrefix(bytes.TrimSpace(orig), []byte("{")) {
			format = "json"
		}
		data, err := sealed.EncodeSealedSecrets(out, format)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(f, data, st.Mode().Perm()); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "%s: resealed %d SealedSecret(s) with the controller's current key\n", f, len(out))
	}
	return nil
}
