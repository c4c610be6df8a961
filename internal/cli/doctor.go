package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/doctor"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/report"
)

type doctorOptions struct {
	genericiooptions.IOStreams
	root         *RootOptions
	output       *outputFlag
	failOn       string
	repoDir      string
	backupURL    string
	backupMaxAge time.Duration
	argocdConfig string
	only         []string
	discover     bool
	fix          bool
	yes          bool

	threshold policy.Severity
	source    profileSource
	clients   *argocdmanaged.Clients
}

// NewCmdDoctor checks a live environment.
func NewCmdDoctor(root *RootOptions) *cobra.Command {
	o := &doctorOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Say what is wrong with the Argo CD setup of a live environment",
		Long: `doctor checks, with your identity: your rights in the Argo CD namespace against what the
platform gives developers; the helm-secrets key Secret, its key and the repo server; the
vals-secret; the sealed-secrets controller and every SealedSecret of the managed namespaces;
the notifications config and subscriptions; the live Applications (policy rules, sync and
health errors, the namespaced-mode error explained); the newest backup; and the known Dex
login issue of the Argo CD CLI. Findings print like policy check's; --fix offers, one by one,
the fixes the plugin can make itself.`,
		Example: `  kubectl ck8sargo doctor
  kubectl ck8sargo doctor --discover --repo . --backup-url file:///backups
  kubectl ck8sargo doctor --only helm-secrets,vals --fix
  kubectl ck8sargo doctor -o sarif > doctor.sarif`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, "output format: text, json, sarif, junit or github", "text", "json", "sarif", "junit", "github")
	f := cmd.Flags()
	f.StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding reaches this severity: error, warning, info or never")
	f.StringVar(&o.repoDir, "repo", "", "a checkout of your repository: its sops files must decrypt with the live helm-secrets key")
	f.StringVar(&o.backupURL, "backup-url", "", "backup store to check (default: the profile's backup.to)")
	f.DurationVar(&o.backupMaxAge, "backup-max-age", 26*time.Hour, "how old the newest backup may be")
	f.StringVar(&o.argocdConfig, "argocd-config", defaultArgoCDConfig(), "the Argo CD CLI config, read for the Dex login symptom")
	f.StringSliceVar(&o.only, "only", nil, "run only these checks: "+strings.Join(doctor.CheckNames(), ", "))
	f.BoolVar(&o.discover, "discover", false, "complete the profile from the cluster first")
	f.BoolVar(&o.fix, "fix", false, "offer the fixes the plugin can make, one by one")
	f.BoolVar(&o.yes, "yes", false, "with --fix, apply every fix without asking")
	return cmd
}

func defaultArgoCDConfig() string {
	if d := os.Getenv("ARGOCD_CONFIG_DIR"); d != "" {
		return filepath.Join(d, "config")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "argocd", "config")
	}
	return ""
}

// Complete parses --fail-on and, once the flags check out, loads the profile and makes the
// clients (no request is sent yet).
func (o *doctorOptions) Complete(*cobra.Command, []string) error {
	sev, err := policy.ParseSeverity(o.failOn)
	if err != nil {
		return UsageErrorf("--fail-on: %w", err)
	}
	o.threshold = sev
	// The flags are checked before the profile and the kubeconfig are read, so that a
	// usage error is reported as one anywhere; Validate is pure, so it may run again.
	if err := o.Validate(); err != nil {
		return err
	}
	if o.source, err = completeProfileSource(o.root, o.discover); err != nil {
		return err
	}
	if o.clients = o.source.clients; o.clients == nil {
		o.clients, err = o.root.Clients()
	}
	return argocdmanagedError(err)
}

// Validate checks --only and that --yes goes with --fix.
func (o *doctorOptions) Validate() error {
	for _, name := range o.only {
		if !slices.Contains(doctor.CheckNames(), name) {
			return UsageErrorf("--only %q: unknown check; use %s", name, strings.Join(doctor.CheckNames(), ", "))
		}
	}
	if o.yes && !o.fix {
		return UsageErrorf("--yes goes with --fix")
	}
	return nil
}

// Run runs the checks, prints what they found, offers the fixes with --fix, and fails at
// --fail-on.
func (o *doctorOptions) Run(ctx context.Context) error {
	p, err := o.source.effective(ctx, o.ErrOut)
	if err != nil {
		return err
	}
	res, err := doctor.Run(ctx, o.clients, doctor.Options{
		Profile: p, RepoDir: o.repoDir, BackupURL: o.backupURL, BackupMaxAge: o.backupMaxAge,
		ArgoCDConfig: o.argocdConfig, Only: o.only,
	})
	if err != nil {
		return err
	}
	doctorHints(res)
	if err := o.print(res); err != nil {
		return err
	}
	if o.fix {
		if err := o.applyFixes(ctx, res.Fixes); err != nil {
			return err
		}
	}
	if res.Report.Fails(o.threshold) {
		return policy.ErrFindings
	}
	return nil
}

// doctorJSON is the JSON form: the check summary, the report, and the fixes on offer.
type doctorJSON struct {
	Checks   []doctor.CheckResult `json:"checks"`
	Findings []policy.Finding     `json:"findings"`
	Summary  policy.Summary       `json:"summary"`
	Fixes    []doctor.Fix         `json:"fixes"`
}

func (o *doctorOptions) print(res *doctor.Result) error {
	switch o.output.format {
	case "json":
		out := doctorJSON{Checks: res.Checks, Findings: res.Report.Findings, Summary: res.Report.Summary, Fixes: res.Fixes}
		if out.Findings == nil {
			out.Findings = []policy.Finding{}
		}
		if out.Fixes == nil {
			out.Fixes = []doctor.Fix{}
		}
		return printStructured(o.Out, "json", out)
	case "text":
		return o.printText(res)
	}
	opts := report.Options{ToolName: "ck8sargo doctor", ToolVersion: version}
	if o.output.format == "sarif" {
		// SARIF lists the rules with their descriptions. The other writers would print a
		// rule's remediation under findings that have none of their own, which the
		// doctor's output has never done, so they get no rules.
		opts.Rules = doctor.Rules()
	}
	return report.Write(o.Out, o.output.format, res.Report, opts)
}

// printText writes one line per check, its status with what it found, then the findings
// under the check that found them (most are about live objects, which come from no file),
// then what was checked and found.
func (o *doctorOptions) printText(res *doctor.Result) error {
	w := o.Out
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tDETAIL")
	var groups []findingGroup
	tally := map[doctor.Status]int{}
	for _, c := range res.Checks {
		tally[c.Status]++
		status := string(c.Status)
		if c.Status == doctor.StatusProblems {
			rep := policy.Report{Findings: c.Findings}
			rep.Count()
			status += ": " + severityCounts(rep.Summary)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, status, c.Detail)
		groups = append(groups, findingGroup{heading: c.Name, findings: c.Findings})
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := writeFindingGroups(w, groups); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s run: %d ok, %d with problems, %d skipped; %s\n", nounCount(len(res.Checks), "check"),
		tally[doctor.StatusOK], tally[doctor.StatusProblems], tally[doctor.StatusSkipped], severityCounts(res.Report.Summary))
	if len(res.Fixes) > 0 && !o.fix {
		fmt.Fprintf(w, "%d of these can be fixed by the plugin: run again with --fix\n", len(res.Fixes))
	}
	return nil
}

func (o *doctorOptions) applyFixes(ctx context.Context, fixes []doctor.Fix) error {
	in := bufio.NewReader(o.In)
	for _, f := range fixes {
		if !o.yes {
			fmt.Fprintf(o.ErrOut, "%s? [y/N] ", f.Description)
			answer, _ := in.ReadString('\n')
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				fmt.Fprintln(o.ErrOut, "skipped")
				continue
			}
		}
		if err := f.Apply(ctx); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "fixed: %s\n", f.Description)
	}
	return nil
}
