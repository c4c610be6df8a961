package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

type policyRulesOptions struct {
	root   *RootOptions
	output string
}

// NewCmdPolicyRules lists the rules that policy check runs.
func NewCmdPolicyRules(root *RootOptions) *cobra.Command {
	o := &policyRulesOptions{root: root}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules of policy check, with severity, explanation and fix",
		Example: `  kubectl ck8sargo policy rules
  kubectl ck8sargo policy rules -o json
  # the rule reference of docs/policy.md
  kubectl ck8sargo policy rules -o markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validateOutput(o.output, "text", "json", "markdown"); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or markdown")
	return cmd
}

// ruleOutput is the JSON form of a rule.
type ruleOutput struct {
	ID          string          `json:"id"`
	Severity    policy.Severity `json:"severity"`
	Title       string          `json:"title"`
	Rationale   string          `json:"rationale"`
	Remediation string          `json:"remediation"`
	HelpURI     string          `json:"helpUri"`
}

func (o *policyRulesOptions) Run() error {
	all := rules.Builtin()
	switch o.output {
	case "json":
		out := make([]ruleOutput, len(all))
		for i, r := range all {
			out[i] = ruleOutput{ID: r.ID, Severity: r.Severity, Title: r.Title, Rationale: r.Rationale, Remediation: r.Remediation, HelpURI: r.HelpURI()}
		}
		return printStructured(o.root.Out, "json", out)
	case "markdown":
		return WriteRuleReference(o.root.Out, all)
	}
	tw := tabwriter.NewWriter(o.root.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tTITLE")
	for _, r := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Title)
	}
	return tw.Flush()
}

// WriteRuleReference writes the rule reference of docs/policy.md: one section per rule,
// anchored by its ID.
func WriteRuleReference(w io.Writer, all []policy.Rule) error {
	var b strings.Builder
	for _, r := range all {
		fmt.Fprintf(&b, "### %s\n\n", r.ID)
		fmt.Fprintf(&b, "**%s** (default severity: %s)\n\n", r.Title, r.Severity)
		fmt.Fprintf(&b, "%s\n\n", r.Rationale)
		fmt.Fprintf(&b, "Fix: %s\n\n", r.Remediation)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
