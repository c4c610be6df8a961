package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/diff"
	"github.com/ck8sargo/ck8sargo/render/revision"
)

type diffOptions struct {
	root  *RootOptions
	flags renderFlags

	paths     []string
	base      string
	head      string
	output    string
	policy    bool
	context   int
	color     string
	mdLimit   int
	title     string
	checkRoot string // the head's checkout, for --policy
}

// NewCmdDiff shows what a change of the repository changes in what Argo CD deploys.
func NewCmdDiff(root *RootOptions) *cobra.Command {
	o := &diffOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.base, "base", "", "the revision to compare with (branch, tag or commit; required)")
	f.StringVar(&o.head, "head", "", "the revision to compare (default: the working tree)")
	f.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(diff.Formats, ", "))
	f.BoolVar(&o.policy, "policy", false, "also run policy check on the head and add its findings")
	f.IntVar(&o.context, "context", 3, "lines of context around each change")
	f.StringVar(&o.color, "color", "auto", "colour text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	f.IntVar(&o.mdLimit, "markdown-limit", diff.DefaultMarkdownLimit, "largest markdown output in bytes; past it Applications are left out with a notice")
	f.StringVar(&o.title, "title", "", "heading of markdown and html output (default \"ck8sargo diff\")")
	o.flags.add(f)
	return cmd
}

// Validate checks the flags; it reads only an --argocd-cm file.
func (o *diffOptions) Validate() error {
	if o.base == "" {
		return UsageErrorf("--base is required: name the revision to compare with, such as origin/main")
	}
	if !diff.ValidFormat(o.output) {
		return UsageErrorf("unsupported output format %q: use one of %v", o.output, diff.Formats)
	}
	if o.context < 0 {
		return UsageErrorf("--context %d: use 0 or more lines", o.context)
	}
	if o.mdLimit < 1000 {
		return UsageErrorf("--markdown-limit %d: use at least 1000 bytes", o.mdLimit)
	}
	if !slices.Contains([]string{"auto", "always", "never"}, o.color) {
		return UsageErrorf("--color %q: use auto, always or never", o.color)
	}
	return o.flags.validate()
}

// Run renders both sides, compares and prints.
func (o *diffOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	repo, url, err := o.flags.repository(o.paths)
	if err != nil {
		return err
	}
	if err := o.flags.readLive(ctx, o.root); err != nil {
		return err
	}
	if isTerminal(o.root.ErrOut) {
		o.flags.progress = o.root.ErrOut
	}
	if repo, err = filepath.Abs(repo); err != nil {
		return err
	}
	// Paths are taken relative to the repository, so that each side reads its own copy.
	rels := []string{"."}
	if len(o.paths) > 0 {
		rels = rels[:0]
		for _, p := range o.paths {
			abs, err := filepath.Abs(p)
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(repo, abs)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return UsageErrorf("%s is outside the repository %s", p, repo)
			}
			rels = append(rels, rel)
		}
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

	// side renders one side: the working tree for "", else rev exported into tmp/name.
	side := func(name, rev string) (*render.Result, string, error) {
		dir := repo
		if rev != "" {
			dir = filepath.Join(tmp, name)
			if _, err := revision.Export(ctx, repo, rev, dir); err != nil {
				var ue *revision.UnknownError
				if errors.As(err, &ue) || errors.Is(err, revision.ErrNoGit) {
					return nil, "", UsageErrorf("%v", err)
				}
				return nil, "", fmt.Errorf("reading %s from git: %w", rev, err)
			}
		}
		opts, err := o.flags.options(o.root, dir, dir, url, fetcher)
		if err != nil {
			return nil, "", err
		}
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
	wopts := diff.WriteOptions{Color: o.useColor(), MarkdownLimit: o.mdLimit, Title: o.title}
	if err := diff.Write(o.root.Out, o.output, rep, wopts); err != nil {
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
	p, err := o.root.Profile()
	if err != nil {
		return false, UsageErrorf("reading the profile: %v; fix the file or pass --profile", err)
	}
	ropts, err := o.flags.options(o.root, o.checkRoot, o.checkRoot, url, nil)
	if err != nil {
		return false, err
	}
	opts.Profile, opts.Rules = p, rules.Builtin()
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
		return false, err
	}
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

func (o *diffOptions) useColor() bool {
	switch o.color {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" || o.output != "text" {
		return false
	}
	f, ok := o.root.Out.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
