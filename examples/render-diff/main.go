// Command render-diff is a pull-request preview built on the ck8sargo render library: it
// renders the Applications of two checkouts of one repository (the base branch and the pull
// request) as Argo CD's repo server would, compares what each Application deploys, and
// writes the difference as markdown for a review comment (or -format text/json/html).
// Secret values never appear: a Secret's change is shown by key.
//
//	git worktree add /tmp/base origin/main
//	go run ./examples/render-diff -base /tmp/base -head . -repo-url https://git.example.com/team/deploy.git apps/
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/diff"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run returns 0 when nothing changes, 1 when something does, 2 when it could not compare.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("render-diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "checkout of the base revision (required)")
	head := fs.String("head", ".", "checkout of the proposed revision")
	repoURL := fs.String("repo-url", "", "the repository's URL as its Applications name it (required)")
	format := fs.String("format", "markdown", fmt.Sprintf("output format: %v", diff.Formats))
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *base == "" || *repoURL == "" || !diff.ValidFormat(*format) {
		fmt.Fprintln(stderr, "render-diff: give -base DIR and -repo-url URL, and a -format of", diff.Formats)
		return 2
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	baseRes, err := renderCheckout(ctx, *base, *repoURL, paths)
	if err != nil {
		fmt.Fprintln(stderr, "render-diff: base:", err)
		return 2
	}
	headRes, err := renderCheckout(ctx, *head, *repoURL, paths)
	if err != nil {
		fmt.Fprintln(stderr, "render-diff: head:", err)
		return 2
	}
	rep := diff.Compare(baseRes, headRes, diff.DefaultOptions())
	if err := diff.Write(stdout, *format, rep, diff.WriteOptions{Title: "What this pull request deploys"}); err != nil {
		fmt.Fprintln(stderr, "render-diff:", err)
		return 2
	}
	if rep.HasChanges() {
		return 1
	}
	return 0
}

// renderCheckout renders the Applications found under paths of one checkout, reading
// nothing outside it.
func renderCheckout(ctx context.Context, dir, repoURL string, paths []string) (*render.Result, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	abs := make([]string, len(paths))
	for i, p := range paths {
		abs[i] = filepath.Join(root, p)
	}
	manifests, notes, err := render.LoadManifests(ctx, abs, render.LoadOptions{BaseDir: root, Root: root, MaxFileSize: 16 << 20})
	if err != nil {
		return nil, err
	}
	opts := render.DefaultOptions()
	opts.RepoRoot, opts.RepoURL, opts.BaseDir = root, repoURL, root
	// A preview must not reach for the network; charts from registries come from the cache.
	opts.Offline = true
	r, err := render.New(opts)
	if err != nil {
		return nil, err
	}
	res, err := r.Render(ctx, manifests)
	if err != nil {
		return nil, err
	}
	res.Notes = append(notes, res.Notes...)
	return res, nil
}
