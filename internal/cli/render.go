package cli

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/render"
)

type renderOptions struct {
	genericiooptions.IOStreams
	root  *RootOptions
	flags renderFlags

	paths  []string
	apps   []string
	output *outputFlag

	// repo and url are the checkout and its URL; wd is where file names are relative to.
	repo, url, wd string
}

// NewCmdRender prints the objects Argo CD will deploy for each Application.
func NewCmdRender(root *RootOptions) *cobra.Command {
	o := &renderOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "render [PATH...]",
		Short: "Print the objects Argo CD will deploy for each Application, rendered in-process",
		Long: `render reads the Applications and ApplicationSets in PATH (files, or directories walked
recursively; default .) and prints what Argo CD's repo server would return for each: Helm
charts (from the repository, Helm repositories or OCI registries), Kustomize overlays,
directories and jsonnet, multi-source Applications and apps of apps, with the destination
namespace set and duplicates resolved as Argo CD resolves them. Nothing but charts and remote
bases is fetched, and with --offline nothing at all. What cannot be rendered is named on
standard error (in -o json, under "findings").

-o yaml is one multi-document stream, each Application introduced by a comment. -o json is
{"applications":[{"name","namespace","file","objects"}],"findings":[...]}. Values decrypted
from secrets:// value files are printed as [redacted].

Exit status: 0 when every source rendered (not-rendered sources are only named), 1 when one
failed to render as Argo CD would fail it, 2 on bad input or usage.`,
		Example: `  # everything the repository's Applications deploy
  kubectl ck8sargo render

  # one Application, as JSON
  kubectl ck8sargo render apps/ --app shop -o json

  # with the kustomize.buildOptions of the platform's argocd-cm, without the network
  kubectl ck8sargo render --argocd-cm argocd-cm.yaml --offline

  # with the settings of the cluster's argocd-cm
  kubectl ck8sargo render --argocd-cm live`,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.apps, "app", nil, "print only the Application of this name (repeatable)")
	o.output = addOutput(cmd, "output format: yaml or json", "yaml", "json")
	o.flags.add(f)
	return cmd
}

// Complete takes the paths (default .), loads the profile and --argocd-cm, and finds the
// checkout and its URL.
func (o *renderOptions) Complete(_ *cobra.Command, args []string) (err error) {
	o.paths = args
	if len(o.paths) == 0 {
		o.paths = []string{"."}
	}
	if err := o.flags.complete(o.root, o.ErrOut); err != nil {
		return err
	}
	if o.repo, o.url, err = o.flags.repository(o.paths); err != nil {
		return err
	}
	o.wd, err = os.Getwd()
	return err
}

// Validate checks the budget flags: -o is checked when it is parsed.
func (o *renderOptions) Validate() error {
	return o.flags.validate()
}

// Run renders and prints.
func (o *renderOptions) Run(ctx context.Context) error {
	if err := o.flags.readLive(ctx); err != nil {
		return err
	}
	fetcher, err := o.flags.fetcher()
	if err != nil {
		return err
	}
	opts := o.flags.options(o.repo, o.wd, o.url, fetcher)
	res, n, err := renderTree(ctx, &o.flags, opts, o.wd, o.paths, false)
	if err != nil {
		return err
	}
	if n == 0 {
		return UsageErrorf("no Application or ApplicationSet found in %s", strings.Join(o.paths, " "))
	}
	apps := res.Applications
	if len(o.apps) > 0 {
		apps = slices.DeleteFunc(slices.Clone(apps), func(a render.Application) bool { return !slices.Contains(o.apps, a.Name) })
		for _, name := range o.apps {
			if !slices.ContainsFunc(apps, func(a render.Application) bool { return a.Name == name }) {
				return UsageErrorf("no Application named %s in %s", name, strings.Join(o.paths, " "))
			}
		}
	}
	notes := slices.Clone(res.Notes)
	if len(o.apps) > 0 {
		notes = slices.DeleteFunc(notes, func(n render.Note) bool { return n.Application != "" && !slices.Contains(o.apps, n.Application) })
	}
	for _, a := range apps {
		notes = append(notes, a.Notes...)
	}
	if o.output.is("json") {
		err = writeRenderJSON(o.Out, res, apps, notes)
	} else {
		err = writeRenderYAML(o.Out, res, apps)
		for _, n := range notes {
			fmt.Fprintln(o.ErrOut, n.String())
		}
	}
	if err != nil {
		return err
	}
	if slices.ContainsFunc(notes, func(n render.Note) bool { return n.Kind == render.NoteRenderFailed }) {
		return ProblemsFound()
	}
	return nil
}
