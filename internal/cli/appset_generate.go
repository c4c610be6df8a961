package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/render/appset"
)

// maxAppSetFile bounds what appset generate reads.
const maxAppSetFile = 16 << 20

type appsetGenerateOptions struct {
	genericiooptions.IOStreams
	root    *RootOptions
	file    string
	output  *outputFlag
	repo    string
	repoURL string
	docs    []map[string]any
	opts    appset.Options
}

// NewCmdAppsetGenerate prints the Applications that the ApplicationSets of a file generate.
func NewCmdAppsetGenerate(root *RootOptions) *cobra.Command {
	o := &appsetGenerateOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "generate FILE",
		Short: "Print the Applications an ApplicationSet generates, offline",
		Long: `generate expands the ApplicationSets of FILE ("-" for standard input) into the
Applications Argo CD's ApplicationSet controller would create, without a server (argocd
appset generate needs one). Git generators read the checkout FILE is in, when their repoURL
is its origin remote; generators that need a server (SCM provider, pull requests, cluster
decision resource, plugin) are named on standard error as not rendered. Input that Argo CD
fails on too (a template that does not parse, a missing key under missingkey=error,
duplicate names, ...) is reported on standard error and the command exits 1.`,
		Example: `  kubectl ck8sargo appset generate apps/appset.yaml
  kubectl ck8sargo appset generate apps/appset.yaml -o json
  # a checkout elsewhere, with its repository URL given
  kubectl ck8sargo appset generate appset.yaml --repo ../platform --repo-url https://github.com/example/platform.git`,
		Args: cobra.ExactArgs(1),
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, "output format: yaml or json", "yaml", "json")
	cmd.Flags().StringVar(&o.repo, "repo", "", "the checkout git generators read (default: the git work tree FILE is in)")
	cmd.Flags().StringVar(&o.repoURL, "repo-url", "", "the repository URL of the checkout (default: its origin remote)")
	return cmd
}

// Complete reads FILE and finds the checkout and its URL.
func (o *appsetGenerateOptions) Complete(_ *cobra.Command, args []string) error {
	o.file = args[0]
	var data []byte
	var err error
	if o.file == "-" {
		data, err = inputfile.ReadAll("standard input", o.In, maxAppSetFile)
	} else {
		data, err = inputfile.Read(o.file, maxAppSetFile)
	}
	if err != nil {
		return UsageErrorf("reading %s: %w", o.file, err)
	}
	for i, part := range docSeparator.Split(string(data), -1) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(part), &m); err != nil {
			return UsageErrorf("%s: document %d is not YAML: %w", o.file, i+1, err)
		}
		if m["kind"] == "ApplicationSet" {
			o.docs = append(o.docs, m)
		}
	}
	p, err := loadProfile(o.root)
	if err != nil {
		return err
	}
	if o.repo == "" {
		start := "."
		if o.file != "-" {
			start = filepath.Dir(o.file)
		}
		o.repo = findWorkTree(start)
	}
	if o.repo != "" && o.repoURL == "" {
		o.repoURL = originURL(o.repo)
	}
	o.opts = appset.Options{RepoRoot: o.repo, RepoURL: o.repoURL, Profile: p}
	return nil
}

// Validate checks that there is something to generate and where git generators read: -o
// is checked when it is parsed.
func (o *appsetGenerateOptions) Validate() error {
	if len(o.docs) == 0 {
		return UsageErrorf("%s holds no ApplicationSet", o.file)
	}
	if o.repo != "" {
		if st, err := os.Stat(o.repo); err != nil || !st.IsDir() {
			return UsageErrorf("--repo %s is not a directory", o.repo)
		}
	}
	return nil
}

// Run generates and prints.
func (o *appsetGenerateOptions) Run(ctx context.Context) error {
	var apps []map[string]any
	failed := false
	for _, doc := range o.docs {
		res, err := appset.Generate(ctx, doc, o.opts)
		if err != nil {
			return err
		}
		apps = append(apps, res.Applications...)
		name, _ := doc["metadata"].(map[string]any)["name"].(string)
		for _, n := range res.Notes {
			hint := ""
			if n.OtherRepository != "" && o.repoURL == "" {
				hint = " (pass --repo-url)"
			}
			fmt.Fprintf(o.ErrOut, "ApplicationSet %s: %s %s: %s%s\n", name, n.Kind, n.Generator, n.Message, hint)
			if n.Kind == appset.NoteFailed {
				failed = true
			}
		}
	}
	if err := o.print(apps); err != nil {
		return err
	}
	if failed {
		return ProblemsFound()
	}
	return nil
}

func (o *appsetGenerateOptions) print(apps []map[string]any) error {
	if o.output.is("json") {
		items := make([]any, len(apps))
		for i, a := range apps {
			items[i] = a
		}
		return printStructured(o.Out, "json", map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	}
	// The Applications are Kubernetes objects: printed as kubectl prints them, separated
	// by "---". JSON stays ours: the printer's indent is four spaces, and it escapes HTML.
	p := &printers.YAMLPrinter{}
	for _, a := range apps {
		if err := p.PrintObj(&unstructured.Unstructured{Object: a}, o.Out); err != nil {
			return err
		}
	}
	return nil
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)
