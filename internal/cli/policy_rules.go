package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

type policyRulesOptions struct {
	genericiooptions.IOStreams
	output *outputFlag
	rule   string
}

// NewCmdPolicyRules lists the rules that policy check runs, or shows one in full.
func NewCmdPolicyRules(root *RootOptions) *cobra.Command {
	o := &policyRulesOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "rules [RULE]",
		Short: "List the rules of policy check, or show one rule in full: why it exists and how to fix it",
		Example: `  kubectl ck8sargo policy rules
  # every rule with its explanation and fix
  kubectl ck8sargo policy rules -o wide
  # one rule in full
  kubectl ck8sargo policy rules no-create-namespace
  kubectl ck8sargo policy rules -o json
  # the rule reference of docs/policy.md
  kubectl ck8sargo policy rules -o markdown`,
		Args: cobra.MaximumNArgs(1),
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, "output format: text, wide, json or markdown (text is a table, wide every rule in full)", "text", "wide", "json", "markdown")
	return cmd
}

// Complete takes the rule asked for.
func (o *policyRulesOptions) Complete(_ *cobra.Command, args []string) error {
	if len(args) == 1 {
		o.rule = args[0]
	}
	return nil
}

// Validate has nothing to check: -o is checked when it is parsed, and an unknown rule is
// refused by Run, which has the rules.
func (o *policyRulesOptions) Validate() error {
	return nil
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

// Run lists the rules, or shows the one asked for in full.
func (o *policyRulesOptions) Run(_ context.Context) error {
	all := hintRules(rules.Builtin())
	format := o.output.format
	if o.rule != "" {
		r, ok := findRule(all, o.rule)
		if !ok {
			return UsageErrorf("unknown rule %q: `kubectl ck8sargo policy rules` lists them", o.rule)
		}
		all = []policy.Rule{r}
		if format == "text" {
			format = "wide"
		}
	}
	switch format {
	case "wide":
		return writeRulesInFull(o.Out, all)
	case "json":
		out := make([]ruleOutput, len(all))
		for i, r := range all {
			out[i] = ruleOutput{ID: r.ID, Severity: r.Severity, Title: r.Title, Rationale: r.Rationale, Remediation: r.Remediation, HelpURI: r.HelpURI()}
		}
		return printStructured(o.Out, "json", out)
	case "markdown":
		return WriteRuleReference(o.Out, all)
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tTITLE")
	for _, r := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Title)
	}
	return tw.Flush()
}

// WriteRuleReference writes the rule reference of docs/policy.md: one section per rule,
// anchored by its ID.
func WriteRuleReference(w io.Writer, all []policy.Rule) error {
	all = hintRules(all)
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

// findRule finds a rule by ID; a finding's own ID (pod-security/<check>, gatekeeper/<kind>)
// finds the rule that reports it.
func findRule(all []policy.Rule, id string) (policy.Rule, bool) {
	for _, try := range []string{id, rules.FamilyOf(id)} {
		for _, r := range all {
			if r.ID == try {
				return r, true
			}
		}
	}
	return policy.Rule{}, false
}

// writeRulesInFull writes each rule with its explanation and fix, wrapped for a terminal.
func writeRulesInFull(w io.Writer, all []policy.Rule) error {
	var b strings.Builder
	for i, r := range all {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s (%s)\n  %s\n\n", r.ID, r.Severity, r.Title)
		b.WriteString(wrapText("Why: "+r.Rationale, "  ", 88))
		b.WriteString(wrapText("Fix: "+r.Remediation, "  ", 88))
		fmt.Fprintf(&b, "  More: %s\n", r.HelpURI())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrapText breaks text into lines of at most width characters, each with indent.
func wrapText(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
	return b.String()
}
