package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/charts"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// renderFlags are the flags render and diff share: where the repository is and how its
// sources are rendered.
type renderFlags struct {
	repoRoot    string
	repoURL     string
	argocdCM    string
	offline     bool
	noDecrypt   bool
	renderTime  time.Duration
	maxFileSize string

	maxBytes int64
	config   render.ArgoCDConfig
	// progress, when set (standard error on a terminal), shows chart fetches.
	progress io.Writer
}

func (f *renderFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.repoRoot, "repo-root", "", "repository whose Application sources are rendered (default: the git work tree of the first path)")
	fs.StringVar(&f.repoURL, "repo-url", "", "the repository's URL as Applications name it (default: its origin remote)")
	fs.StringVar(&f.argocdCM, "argocd-cm", "", "Argo CD's settings (kustomize.buildOptions, resource.exclusions and inclusions, helm.valuesFileSchemes): an argocd-cm ConfigMap manifest, or live to read it from the cluster")
	fs.BoolVar(&f.offline, "offline", false, "do not use the network: charts from Helm repositories and OCI registries come from the cache only, remote Kustomize bases are not fetched")
	fs.BoolVar(&f.noDecrypt, "no-decrypt", false, "do not decrypt sops-encrypted secrets:// value files (by default they are decrypted in memory with the keys sops would find)")
	fs.DurationVar(&f.renderTime, "render-timeout", 2*time.Minute, "time budget of rendering one Application source; past it the source is a render-failed finding")
	fs.StringVar(&f.maxFileSize, "max-file-size", "16Mi", "largest file read and largest output of one source")
}

// validate checks the flags and reads --argocd-cm.
func (f *renderFlags) validate() error {
	var err error
	if f.maxBytes, err = renderBudget(f.maxFileSize, f.renderTime); err != nil {
		return err
	}
	if f.argocdCM != "" && f.argocdCM != argocdCMLive {
		if f.config, err = render.LoadArgoCDConfig(f.argocdCM); err != nil {
			return UsageErrorf("--argocd-cm: %v", err)
		}
	}
	return nil
}

// argocdCMLive is the --argocd-cm value that reads argocd-cm from the cluster (a file
// named live is ./live).
const argocdCMLive = "live"

// readLive reads argocd-cm from the cluster's Argo CD namespace for --argocd-cm live.
func (f *renderFlags) readLive(ctx context.Context, o *RootOptions) error {
	if f.argocdCM != argocdCMLive {
		return nil
	}
	p, err := o.Profile()
	if err != nil {
		return UsageErrorf("reading the profile: %v; fix the file or pass --profile", err)
	}
	cl, err := o.Clients()
	if err != nil {
		return err
	}
	if f.config, err = render.LiveArgoCDConfig(ctx, cl, p.ArgoCD.Namespace); err != nil {
		return fmt.Errorf("--argocd-cm live: %w", err)
	}
	return nil
}

// repository finds the checkout and its URL: --repo-root or the git work tree of the
// first path, --repo-url or its origin remote. Without a URL no source can be matched to
// the checkout, which is a usage error.
func (f *renderFlags) repository(paths []string) (root, url string, err error) {
	root = f.repoRoot
	if root == "" {
		start := "."
		if len(paths) > 0 {
			start = paths[0]
			if st, err := os.Stat(start); err == nil && !st.IsDir() {
				start = filepath.Dir(start)
			}
		}
		root = findWorkTree(start)
		if root == "" {
			return "", "", UsageErrorf("%s is not in a git work tree: pass --repo-root DIR (and --repo-url URL)", start)
		}
	} else if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return "", "", UsageErrorf("--repo-root %s is not a directory", root)
	}
	url = f.repoURL
	if url == "" {
		url = originURL(root)
	}
	if url == "" {
		return "", "", UsageErrorf("the repository %s has no origin remote: pass --repo-url with the URL its Applications use", root)
	}
	return root, url, nil
}

// options are the render options for a checkout of the repository at dir, file names
// shown relative to baseDir.
func (f *renderFlags) options(o *RootOptions, dir, baseDir, url string, fetcher render.ChartSource) (render.Options, error) {
	opts := render.DefaultOptions()
	p, err := o.Profile()
	if err != nil {
		return opts, UsageErrorf("reading the profile: %v; fix the file or pass --profile", err)
	}
	opts.Profile = p
	opts.RepoRoot, opts.RepoURL, opts.BaseDir = dir, url, baseDir
	opts.Timeout, opts.MaxFileSize, opts.Offline = f.renderTime, f.maxBytes, f.offline
	opts.ArgoCDConfig = f.config
	opts.Charts = fetcher
	if !f.noDecrypt {
		// The keys sops itself would use; decrypted values stay in memory and are redacted
		// from everything printed.
		ring := sops.NewKeyring()
		if err := ring.AddEnvironment(os.Getenv); err != nil {
			return opts, fmt.Errorf("reading sops keys: %w", err)
		}
		opts.Decrypter = &sops.Client{Keyring: ring}
	}
	return opts, nil
}

// fetcher is the chart fetcher of a command, with its credentials from the Argo CD
// repository Secrets given and the user's Helm registry configuration.
func (f *renderFlags) fetcher(secrets ...map[string]any) (*charts.Fetcher, error) {
	creds := charts.CredentialsFromSecrets(secrets)
	if p, err := charts.DefaultRegistryConfig(); err == nil {
		if c, err := charts.CredentialsFromRegistryConfig(p); err == nil {
			creds = append(creds, c...)
		}
	}
	opts := charts.Options{Offline: f.offline, Credentials: creds}
	if f.progress != nil {
		opts.Progress = chartProgress(f.progress)
	}
	return charts.New(opts)
}

// chartProgress writes chart fetches for a person at a terminal: the index read, then one
// line per archive, rewritten as it arrives.
func chartProgress(w io.Writer) func(charts.Event) {
	var mu sync.Mutex
	return func(e charts.Event) {
		mu.Lock()
		defer mu.Unlock()
		what := strings.TrimSpace(e.Chart + " " + e.Version)
		switch e.Kind {
		case charts.EventIndex:
			fmt.Fprintf(w, "reading the chart index of %s\n", e.Repository)
		case charts.EventDownload:
			fmt.Fprintf(w, "\rfetching %s from %s: %s", what, e.Repository, inputfile.HumanSize(e.Bytes))
		case charts.EventFetched:
			fmt.Fprintf(w, "\rfetched %s from %s: %s\n", what, e.Repository, inputfile.HumanSize(e.Bytes))
		}
	}
}

// renderTree loads the manifests of paths (relative to dir, or absolute) and renders
// them. confine keeps the reading of manifests inside the checkout, and skips paths that
// do not exist there (the base of a diff lacks what the head adds). The loading notes
// join the result's.
func renderTree(ctx context.Context, f *renderFlags, opts render.Options, dir string, paths []string, confine bool) (*render.Result, int, error) {
	var in []string
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if _, err := os.Lstat(p); err != nil && confine {
			continue
		}
		in = append(in, p)
	}
	lo := render.LoadOptions{BaseDir: opts.BaseDir, MaxFileSize: opts.MaxFileSize, RepositorySecrets: true}
	if confine {
		lo.Root = opts.RepoRoot
	}
	manifests, notes, err := render.LoadManifests(ctx, in, lo)
	var pe *render.PathError
	if errors.As(err, &pe) {
		return nil, 0, UsageErrorf("%v", err)
	}
	if err != nil {
		return nil, 0, err
	}
	// The Argo CD repository Secrets among the manifests are the credentials of private
	// chart repositories, as Argo CD uses them.
	var secrets []map[string]any
	apps := manifests[:0:0]
	for _, m := range manifests {
		if render.IsRepositorySecret(m.Content) {
			secrets = append(secrets, m.Content)
		} else {
			apps = append(apps, m)
		}
	}
	if len(secrets) > 0 && opts.Charts != nil {
		if opts.Charts, err = f.fetcher(secrets...); err != nil {
			return nil, 0, err
		}
	}
	r, err := render.New(opts)
	if err != nil {
		return nil, 0, UsageErrorf("%v", err)
	}
	res, err := r.Render(ctx, apps)
	if err != nil {
		return nil, 0, err
	}
	res.Notes = append(notes, res.Notes...)
	return res, len(apps), nil
}

type renderOptions struct {
	root  *RootOptions
	flags renderFlags

	paths  []string
	apps   []string
	output string
}

// NewCmdRender prints the objects Argo CD will deploy for each Application.
func NewCmdRender(root *RootOptions) *cobra.Command {
	o := &renderOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			if len(o.paths) == 0 {
				o.paths = []string{"."}
			}
			if err := validateOutput(o.output, "yaml", "json"); err != nil {
				return err
			}
			if err := o.flags.validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.apps, "app", nil, "print only the Application of this name (repeatable)")
	f.StringVarP(&o.output, "output", "o", "yaml", "output format: yaml or json")
	o.flags.add(f)
	return cmd
}

// Run renders and prints.
func (o *renderOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	dir, url, err := o.flags.repository(o.paths)
	if err != nil {
		return err
	}
	if err := o.flags.readLive(ctx, o.root); err != nil {
		return err
	}
	if isTerminal(o.root.ErrOut) {
		o.flags.progress = o.root.ErrOut
	}
	fetcher, err := o.flags.fetcher()
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	opts, err := o.flags.options(o.root, dir, wd, url, fetcher)
	if err != nil {
		return err
	}
	res, n, err := renderTree(ctx, &o.flags, opts, wd, o.paths, false)
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
	if o.output == "json" {
		err = writeRenderJSON(o.root.Out, res, apps, notes)
	} else {
		err = writeRenderYAML(o.root.Out, res, apps)
		for _, n := range notes {
			fmt.Fprintln(o.root.ErrOut, noteText(n))
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

// writeRenderYAML writes one stream: each Application's objects, introduced by a comment.
func writeRenderYAML(w io.Writer, res *render.Result, apps []render.Application) error {
	first := true
	for _, a := range apps {
		intro := fmt.Sprintf("# Application %s/%s (%s): %s\n", a.Namespace, a.Name, where(a.File, a.Line), countObjects(len(a.Objects)))
		if len(a.Objects) == 0 {
			if !first {
				intro = "---\n" + intro
			}
			if _, err := io.WriteString(w, intro); err != nil {
				return err
			}
			first = false
			continue
		}
		for i, obj := range a.Objects {
			data, err := yaml.Marshal(res.RedactObject(obj.Content))
			if err != nil {
				return fmt.Errorf("printing Application %s: %s %s: %w", a.Name, obj.GroupVersionKind().Kind, obj.Name(), err)
			}
			var b strings.Builder
			if !first {
				b.WriteString("---\n")
			}
			if i == 0 {
				b.WriteString(intro)
			}
			b.Write(data)
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			first = false
		}
	}
	return nil
}

func countObjects(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}

func where(file string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return file
}

// renderJSON is the documented shape of render -o json.
type renderJSON struct {
	Applications []renderJSONApp  `json:"applications"`
	Findings     []policy.Finding `json:"findings"`
}

type renderJSONApp struct {
	Name      string           `json:"name"`
	Namespace string           `json:"namespace"`
	File      string           `json:"file"`
	Objects   []map[string]any `json:"objects"`
}

func writeRenderJSON(w io.Writer, res *render.Result, apps []render.Application, notes []render.Note) error {
	out := renderJSON{Applications: []renderJSONApp{}, Findings: noteFindings(notes, apps)}
	for _, a := range apps {
		ja := renderJSONApp{Name: a.Name, Namespace: a.Namespace, File: a.File, Objects: make([]map[string]any, 0, len(a.Objects))}
		for _, obj := range a.Objects {
			ja.Objects = append(ja.Objects, res.RedactObject(obj.Content))
		}
		out.Applications = append(out.Applications, ja)
	}
	return printStructured(w, "json", out)
}

// noteFindings are the notes as policy findings (rule render-failed, an error, or
// not-rendered or render-warning, an info), about the Application they name.
func noteFindings(notes []render.Note, apps []render.Application) []policy.Finding {
	out := make([]policy.Finding, 0, len(notes))
	for _, n := range notes {
		f := policy.Finding{Rule: policy.RuleRenderFailed, Severity: policy.SeverityError, Message: n.Message,
			File: n.File, Line: n.Line, Application: n.Application}
		switch n.Kind {
		case render.NoteNotRendered:
			f.Rule, f.Severity = policy.RuleNotRendered, policy.SeverityInfo
		case render.NoteWarning:
			f.Rule, f.Severity = policy.RuleRenderWarning, policy.SeverityInfo
		}
		if n.Source != "" {
			f.Message = "source " + n.Source + ": " + f.Message
		}
		if n.Application != "" {
			ns := ""
			if i := slices.IndexFunc(apps, func(a render.Application) bool { return a.Name == n.Application }); i >= 0 {
				ns = apps[i].Namespace
			}
			f.Object = policy.ObjectRef{APIVersion: argocdmanaged.APIVersion, Kind: argocdmanaged.KindApplication, Namespace: ns, Name: n.Application}
		}
		out = append(out, f)
	}
	return out
}

// noteText is a note on one line for standard error.
func noteText(n render.Note) string {
	s := string(n.Kind)
	if n.Application != "" {
		s += " Application " + n.Application
	}
	if n.Source != "" {
		s += " source " + n.Source
	}
	s += ": " + n.Message
	if n.File != "" {
		s += " (" + where(n.File, n.Line) + ")"
	}
	return s
}
