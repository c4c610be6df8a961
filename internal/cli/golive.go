package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/golive"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/render/charts"
)

type goliveOptions struct {
	genericiooptions.IOStreams
	root      *RootOptions
	paths     []string
	live      bool
	backupURL string
	output    *outputFlag
	repoRoot  string
	repoURL   string
	// renderTime is --render-timeout.
	renderTime time.Duration
	discover   bool
	offline    bool
	maxSize    string
	maxBytes   int64

	clients *argocdmanaged.Clients
}

// NewCmdGolive prints the platform's go-live checklist as far as it can be checked.
func NewCmdGolive(root *RootOptions) *cobra.Command {
	o := &goliveOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "golive [PATH...]",
		Short: "The platform's go-live checklist: what passes, what fails, what needs a person",
		Long: `golive goes through the platform's go-live checklist (load tests, rolling updates, node
reboots, zone failure, disaster recovery, redeployment from scratch). What the manifests
(with the Applications' Helm charts and Kustomize overlays rendered) and, with --live, the
cluster can show is marked pass or fail with the objects at fault; the rest is marked
needs-a-human with what to do. -o markdown is ready to paste into a go-live review.`,
		Example: `  kubectl ck8sargo golive .
  kubectl ck8sargo golive . --live --backup-url s3://backups/argocd?endpoint=https://s3.example.com -o markdown > go-live.md`,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.BoolVar(&o.live, "live", false, "also check the workloads of the managed namespaces in the cluster")
	f.StringVar(&o.backupURL, "backup-url", "", "backup store whose newest backup must verify (default: the profile's backup.to)")
	o.output = addOutput(cmd, "output format: text, markdown or json", "text", "markdown", "json")
	f.StringVar(&o.repoRoot, "repo-root", "", "repository whose Application sources are rendered (default: the git top level)")
	f.StringVar(&o.repoURL, "repo-url", "", "the repository's URL as Applications name it (default: the origin remote)")
	f.DurationVar(&o.renderTime, "render-timeout", 2*time.Minute, "time budget of rendering one Application source; past it the source is a render-failed finding")
	f.BoolVar(&o.discover, "discover", false, "complete the profile from the cluster (managed namespaces, Argo CD namespace) before checking")
	f.BoolVar(&o.offline, "offline", false, "render from the local chart cache only; a chart not cached is a finding")
	f.StringVar(&o.maxSize, "max-file-size", "16Mi", "largest manifest file read; a larger one is an error")
	return cmd
}

// Complete takes the paths and, with --live, makes the clients (no request is sent yet).
func (o *goliveOptions) Complete(_ *cobra.Command, args []string) (err error) {
	o.paths = args
	if o.live {
		o.clients, err = o.root.Clients()
	}
	return err
}

// Validate checks that there is something to check and the budget flags: -o is checked
// when it is parsed.
func (o *goliveOptions) Validate() error {
	if len(o.paths) == 0 && !o.live {
		return UsageErrorf("give manifest paths, --live, or both")
	}
	var err error
	o.maxBytes, err = renderBudget(o.maxSize, o.renderTime)
	return err
}

// Run completes the profile from the cluster for --discover, goes through the checklist
// and prints it.
func (o *goliveOptions) Run(ctx context.Context) error {
	p, err := o.root.EffectiveProfile(ctx, o.discover)
	if err != nil {
		return err
	}
	in := golive.Inputs{Paths: o.paths, BackupURL: o.backupURL, Live: o.clients}
	popts := policy.DefaultOptions()
	popts.RepoRoot, popts.RepoURL = o.repoRoot, o.repoURL
	popts.RenderTimeout, popts.Offline, popts.MaxFileSize = o.renderTime, o.offline, o.maxBytes
	if popts.Charts, err = charts.New(charts.Options{Offline: o.offline}); err != nil {
		return err
	}
	cl, err := golive.Run(ctx, in, golive.Options{Profile: p, Policy: popts})
	if err != nil {
		return policyError(err)
	}
	spellOutSteps(cl)
	if err := o.print(cl); err != nil {
		return err
	}
	if failed(cl) {
		return ProblemsFound()
	}
	return nil
}

// goliveSteps are the words of this plugin for the work the checklist leaves to a person:
// the commands that do it (the library names none).
var goliveSteps = map[golive.Step]struct{ evidence, todo string }{
	golive.StepRestoreDrill:      {todo: "Restore the Argo CD objects into a scratch environment with `kubectl ck8sargo backup restore NAME --dry-run=server`, then for real, and restore your data; time it against the RTO."},
	golive.StepExportAndSchedule: {evidence: "no backup store given (--backup-url or the profile's backup.to)", todo: "export with `kubectl ck8sargo backup export` and schedule it with `kubectl ck8sargo backup schedule`"},
	golive.StepExportAndVerify:   {todo: "run `kubectl ck8sargo backup export`, then `kubectl ck8sargo backup verify`"},
	golive.StepLive:              {todo: "run `kubectl ck8sargo golive --live` to find workloads that Argo CD does not manage"},
}

// spellOutSteps writes the commands of this plugin into the items whose work it does, and
// into the remediations of their findings.
func spellOutSteps(cl *golive.Checklist) {
	for i := range cl.Items {
		it := &cl.Items[i]
		hintFindings(it.Findings)
		words, ok := goliveSteps[it.Step]
		if !ok {
			continue
		}
		it.Todo = words.todo
		if words.evidence != "" {
			it.Evidence = words.evidence
		}
	}
}

func (o *goliveOptions) print(cl *golive.Checklist) error {
	switch o.output.format {
	case "json":
		return printStructured(o.Out, "json", cl)
	case "markdown":
		return writeGoliveMarkdown(o.Out, cl)
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tITEM\tEVIDENCE")
	for _, it := range cl.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", it.Status, it.Title, it.Evidence)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(o.Out)
	// The findings go under the item that found them: live workloads come from no file.
	var groups []findingGroup
	for _, it := range cl.Items {
		groups = append(groups, findingGroup{heading: it.Title, findings: it.Findings})
	}
	if err := writeFindingGroups(o.Out, groups); err != nil {
		return err
	}
	_, err := fmt.Fprintf(o.Out, "%s; %s\n", goliveRead(cl.Read), severityCounts(cl.Report.Summary))
	return err
}

// goliveRead says what the checklist was computed from: "read 3 objects in 2 files and 4
// objects of namespaces shop, shop-web".
func goliveRead(r golive.Read) string {
	var parts []string
	if r.Files > 0 || r.Objects > 0 {
		parts = append(parts, fmt.Sprintf("%s in %s", nounCount(r.Objects, "object"), nounCount(r.Files, "file")))
	}
	if len(r.LiveNamespaces) > 0 {
		ns := "namespace "
		if len(r.LiveNamespaces) > 1 {
			ns = "namespaces "
		}
		parts = append(parts, nounCount(r.LiveObjects, "object")+" of "+ns+strings.Join(r.LiveNamespaces, ", "))
	}
	return "read " + strings.Join(parts, " and ")
}

func failed(cl *golive.Checklist) bool {
	for _, it := range cl.Items {
		if it.Status == golive.StatusFail {
			return true
		}
	}
	return false
}

var statusMark = map[golive.Status]string{golive.StatusPass: "✅ pass", golive.StatusFail: "❌ fail", golive.StatusNeedsHuman: "🧑 needs a human"}

func writeGoliveMarkdown(w io.Writer, cl *golive.Checklist) error {
	var b strings.Builder
	b.WriteString("# Go-live checklist\n\n| Section | Item | Status | Evidence | To do |\n|---|---|---|---|---|\n")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, it := range cl.Items {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", esc(it.Section), esc(it.Title), statusMark[it.Status], esc(it.Evidence), esc(it.Todo))
	}
	for _, it := range cl.Items {
		if len(it.Findings) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n", it.Title)
		for _, f := range it.Findings {
			where := f.Object.String()
			if f.File != "" {
				where = fmt.Sprintf("%s (%s:%d)", where, f.File, f.Line)
			}
			fmt.Fprintf(&b, "- %s: %s\n", where, f.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
