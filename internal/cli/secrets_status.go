package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

type secretsStatusOptions struct {
	genericiooptions.IOStreams
	configFile string
	fileArgs
	output *outputFlag
}

// NewCmdSecretsStatus tells whether files are encrypted, for whom, and whether that matches
// .sops.yaml.
func NewCmdSecretsStatus(root *RootOptions) *cobra.Command {
	o := &secretsStatusOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "status FILE...",
		Short: "Show whether files are sops-encrypted, for whom, and whether that matches .sops.yaml",
		Long: `status reads each file's sops metadata (no key needed): encrypted or not, the recipients
its data key is wrapped for, when it was last modified, the sops version that wrote it, and
whether the recipients match the creation rule of .sops.yaml (when not, run updatekeys).
Values left in plaintext where the file's settings say they must be encrypted are listed
by key. No value is printed.`,
		Example: `  kubectl ck8sargo secrets status secrets.yaml
  kubectl ck8sargo secrets status charts/*/secrets*.yaml -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.configFile, "sops-config", "", "the .sops.yaml to compare with (default: the nearest one in the file's directory or above)")
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Run reads each file's sops metadata and prints the table or the structured form.
func (o *secretsStatusOptions) Run(ctx context.Context) error {
	c := &sops.Client{ConfigFile: o.configFile}
	var sts []*sops.FileStatus
	for _, name := range o.files {
		data, _, err := readInput(name, 0)
		if err != nil {
			return err
		}
		st, err := c.Status(ctx, name, data)
		if err != nil {
			return err
		}
		sts = append(sts, st)
	}
	if !o.output.is("text") {
		return printStructured(o.Out, o.output.format, sts)
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSTATUS\tRECIPIENTS\tLAST MODIFIED\tMATCHES .sops.yaml")
	for _, st := range sts {
		lm, match := "-", "-"
		if st.LastModified != nil {
			lm = st.LastModified.Format(time.RFC3339)
		}
		switch {
		case st.RecipientsMatch == nil && st.ConfigFile == "":
			match = "no .sops.yaml"
		case st.RecipientsMatch == nil && st.ExpectedRecipients == nil:
			match = "no matching rule"
		case st.RecipientsMatch != nil && *st.RecipientsMatch:
			match = "yes"
		case st.RecipientsMatch != nil:
			var d []string
			if len(st.Missing) > 0 {
				d = append(d, "missing "+strings.Join(st.Missing, ", "))
			}
			if len(st.Extra) > 0 {
				d = append(d, "extra "+strings.Join(st.Extra, ", "))
			}
			match = "no: " + strings.Join(d, "; ")
		}
		status := st.Encryption
		switch {
		case strings.HasPrefix(st.Problem, st.File+": no MAC") || strings.HasPrefix(st.Problem, "no MAC"):
			status += " (no MAC, as sops says: see -o json)"
		case st.Problem != "":
			status += " (damaged: see -o json)"
		}
		if len(st.PlaintextKeys) > 0 {
			status += fmt.Sprintf(" (plaintext: %s)", strings.Join(st.PlaintextKeys, ", "))
		}
		rec := "-"
		if len(st.Recipients) > 0 {
			rec = strings.Join(st.Recipients, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", st.File, status, rec, lm, match)
	}
	return tw.Flush()
}
