package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/diff"
	"github.com/ck8sargo/ck8sargo/render/revision"
)

type diffOptions struct {
	genericiooptions.IOStreams
	root  *RootOptions
	flags renderFlags

	paths     []string
	base      string
	head      string
	output    *outputFlag
	policy    bool
	context   int
	color     string
	mdLimit   int
	title     string
	checkRoot string // the head's checkout, for --policy

	// repo and url are the checkout and its URL; rels are the paths relative to it.
	repo, url string
	rels      []string
}

// NewCmdDiff shows what a change of the repository changes in what Argo CD deploys.
func NewCmdDiff(root *RootOptions) *cobra.Command {
	o := &diffOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "diff [PATH...] --base REF [--head REF]",
		Short: "Show what a change (a pull request) changes in what Argo CD deploys",
		Long: `diff renders the Applications in PATH (default: the whole repository) at two revisions and
shows, for each Application and each resource, what was added, removed or changed, as a
unified diff of the YAML. The base is read from git (git must be on the PATH) without
touching the working tree; the head is the working tree unless --head names a revision.
Secret data is redacted: only which keys changed is shown. Rendering is render's: in-process,
charts and remote bases fetched into the cache (nothing with --offline).

-o markdown fits a pull-request comment (summary first, a collapsible section per
Application, truncated with a notice past --markdown-limit); -o html is one self-contained
page; -o json is documented in docs/render.md. --policy also runs policy check on the head
and adds its findings.

Exit status: 0 when nothing changed, 1 when something changed (as diff(1)) or, with
--policy, a finding is an error; 2 on bad input or usage.`,
		Example: `  # what this branch changes against main
  kubectl ck8sargo diff --base origin/main

  # a pull-request comment, with the platform's policy findings on the head
  kubectl ck8sargo diff --base "$BASE_SHA" --head "$HEAD_SHA" -o markdown --policy > diff.md

  # one directory of Applications, as a page to open in a browser
  kubectl ck8sargo diff apps/ --base HEAD~1 -o html > diff.html`,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.base, "base", "", "the revision to compare with (branch, tag or commit; required)")
	f.StringVar(&o.head, "head", "", "the revision to compare (default: the working tree)")
	o.output = addOutput(cmd, "output format: "+strings.Join(diff.Formats, ", "), diff.Formats[0], diff.Formats[1:]...)
	f.BoolVar(&o.policy, "policy", false, "also run policy check on the head and add its findings")
	f.IntVar(&o.context, "context", 3, "lines of context around each change")
	f.StringVar(&o.color, "color", "auto", "colour text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	f.IntVar(&o.mdLimit, "markdown-limit", diff.DefaultMarkdownLimit, "largest markdown output in bytes; past it Applications are left out with a notice")
	f.StringVar(&o.title, "title", "", "heading of markdown and html output (default \"ck8sargo diff\")")
	o.flags.add(f)
	return cmd
}

// Complete loads the profile and --argocd-cm, finds the checkout and its URL, and takes
// the paths relative to it, so that each side reads its own copy.
func (o *diffOptions) Complete(_ *cobra.Command, args []string) (err error) {
	o.paths = args
	if err := o.flags.complete(o.root, o.ErrOut); err != nil {
		return err
	}
	if o.repo, o.url, err = o.flags.repository(o.paths); err != nil {
		return err
	}
	if o.repo, err = filepath.Abs(o.repo); err != nil {
		return err
	}
	o.rels = []string{"."}
	if len(o.paths) > 0 {
		o.rels = o.rels[:0]
		for _, p := range o.paths {
			abs, err := filepath.Abs(p)
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(o.repo, abs)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return UsageErrorf("%s is outside the repository %s", p, o.repo)
			}
			o.rels = append(o.rels, rel)
		}
	}
	return nil
}

// Validate checks the flags: -o is checked when it is parsed.
func (o *diffOptions) Validate() error {
	if o.base == "" {
		return UsageErrorf("--base is required: name the revision to compare with, such as origin/main")
	}
	if o.context < 0 {
		return UsageErrorf("--context %d: use 0 or more lines", o.context)
	}
	if o.mdLimit < 1000 {
		return UsageErrorf("--markdown-limit %d: use at least 1000 bytes", o.mdLimit)
	}
	if err := validateColor(o.color); err != nil {
		return err
	}
	return o.flags.validate()
}

// Run renders both sides, compares and prints.
func (o *diffOptions) Run(ctx context.Context) error {
	if err := o.flags.readLive(ctx); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ck8sargo-diff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fetcher, err := o.flags.fetcher()
	if err != nil {
		return err
	}

	repo, url, rels := o.repo, o.url, o.rels
	// side renders one side: the working tree for "", else rev exported into tmp/name.
	side := func(name, rev string) (*render.Result, string, error) {
		dir := repo
		if rev != "" {
			dir = filepath.Join(tmp, name)
			if _, err := revision.Export(ctx, repo, rev, dir); err != nil {
				var ue *revision.UnknownError
				if errors.As(err, &ue) || errors.Is(err, revision.ErrNoGit) {
					return nil, "", UsageErrorf("%w", err)
				}
				return nil, "", fmt.Errorf("reading %s from git: %w", rev, err)
			}
		}
		opts := o.flags.options(dir, dir, url, fetcher)
		res, _, err := renderTree(ctx, &o.flags, opts, dir, rels, true)
		return res, dir, err
	}
	base, _, err := side("base", o.base)
	if err != nil {
		return err
	}
	head, headDir, err := side("head", o.head)
	if err != nil {
		return err
	}
	o.checkRoot = headDir
	headLabel := o.head
	if headLabel == "" {
		headLabel = "working tree"
	}
	rep := diff.Compare(base, head, diff.Options{Context: o.context, BaseLabel: o.base, HeadLabel: headLabel})
	failed := false
	if o.policy {
		if failed, err = o.check(ctx, &rep, rels, url); err != nil {
			return err
		}
	}
	wopts := diff.WriteOptions{Color: useColor(o.color, o.output.format, o.Out), MarkdownLimit: o.mdLimit, Title: o.title}
	if err := diff.Write(o.Out, o.output.format, rep, wopts); err != nil {
		return err
	}
	if rep.HasChanges() || failed {
		return ProblemsFound()
	}
	return nil
}

// check runs policy check on the head's paths and adds its unsuppressed findings; it says
// whether one is an error.
func (o *diffOptions) check(ctx context.Context, rep *diff.Report, rels []string, url string) (bool, error) {
	opts := policy.DefaultOptions()
	ropts := o.flags.options(o.checkRoot, o.checkRoot, url, nil)
	var err error
	opts.Profile, opts.Rules = o.flags.profile, hintRules(rules.Builtin())
	opts.RepoRoot, opts.RepoURL, opts.BaseDir = o.checkRoot, url, o.checkRoot
	opts.MaxFileSize, opts.RenderTimeout, opts.Offline = ropts.MaxFileSize, ropts.Timeout, ropts.Offline
	opts.ArgoCDConfig, opts.Decrypter = ropts.ArgoCDConfig, ropts.Decrypter
	if opts.Charts, err = o.flags.fetcher(); err != nil {
		return false, err
	}
	var paths []string
	for _, r := range rels {
		if p := filepath.Join(o.checkRoot, r); fileOrDirExists(p) {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return false, nil
	}
	prep, err := policy.Check(ctx, policy.Inputs{Paths: paths}, opts)
	var fe *policy.FileError
	if err != nil && !errors.As(err, &fe) {
		return false, policyError(err)
	}
	hintFindings(prep.Findings)
	failed := false
	for _, f := range prep.Findings {
		if f.Suppressed {
			continue
		}
		rep.Findings = append(rep.Findings, f)
		failed = failed || f.Severity >= policy.SeverityError
	}
	return failed, nil
}

func fileOrDirExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
