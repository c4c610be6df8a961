package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/charts"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// renderFlags are the flags render and diff share: where the repository is and how its
// sources are rendered, with what complete makes of them.
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
	profile  argocdmanaged.Profile
	// ring holds the keys sops itself would use, unless --no-decrypt.
	ring *sops.Keyring
	// clients read argocd-cm for --argocd-cm live.
	clients *argocdmanaged.Clients
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

// complete loads the profile, an --argocd-cm file and the sops keys, and makes the clients
// that read argocd-cm for --argocd-cm live; chart fetches are shown on errOut when it is a
// terminal.
func (f *renderFlags) complete(root *RootOptions, errOut io.Writer) error {
	var err error
	if f.profile, err = loadProfile(root); err != nil {
		return err
	}
	switch f.argocdCM {
	case "":
	case argocdCMLive:
		if f.clients, err = root.Clients(); err != nil {
			return err
		}
	default:
		if f.config, err = render.LoadArgoCDConfig(f.argocdCM); err != nil {
			return UsageErrorf("--argocd-cm: %w", err)
		}
	}
	if !f.noDecrypt {
		// The keys sops itself would use; decrypted values stay in memory and are redacted
		// from everything printed.
		f.ring = sops.NewKeyring()
		if err := f.ring.AddEnvironment(os.Getenv); err != nil {
			return fmt.Errorf("reading sops keys: %w", err)
		}
	}
	if isTerminal(errOut) {
		f.progress = errOut
	}
	return nil
}

// validate checks the budget flags.
func (f *renderFlags) validate() (err error) {
	f.maxBytes, err = renderBudget(f.maxFileSize, f.renderTime)
	return err
}

// loadProfile is the profile, with the flag that fixes a profile that does not load.
func loadProfile(root *RootOptions) (argocdmanaged.Profile, error) {
	p, err := root.Profile()
	if err != nil {
		return p, UsageErrorf("reading the profile: %w; fix the file or pass --profile", err)
	}
	return p, nil
}

// argocdCMLive is the --argocd-cm value that reads argocd-cm from the cluster (a file
// named live is ./live).
const argocdCMLive = "live"

// readLive reads argocd-cm from the cluster's Argo CD namespace for --argocd-cm live.
func (f *renderFlags) readLive(ctx context.Context) (err error) {
	if f.clients == nil {
		return nil
	}
	if f.config, err = render.LiveArgoCDConfig(ctx, f.clients, f.profile.ArgoCD.Namespace); err != nil {
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
func (f *renderFlags) options(dir, baseDir, url string, fetcher render.ChartSource) render.Options {
	opts := render.DefaultOptions()
	opts.Profile = f.profile
	opts.RepoRoot, opts.RepoURL, opts.BaseDir = dir, url, baseDir
	opts.Timeout, opts.MaxFileSize, opts.Offline = f.renderTime, f.maxBytes, f.offline
	opts.ArgoCDConfig = f.config
	opts.Charts = fetcher
	if f.ring != nil {
		opts.Decrypter = &sops.Client{Keyring: f.ring}
	}
	return opts
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
		return nil, 0, UsageErrorf("%w", err)
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
		return nil, 0, UsageErrorf("%w", err)
	}
	res, err := r.Render(ctx, apps)
	if err != nil {
		return nil, 0, err
	}
	res.Notes = append(notes, res.Notes...)
	return res, len(apps), nil
}

// findWorkTree is the nearest directory from dir up that holds .git; "" for none.
func findWorkTree(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(abs, ".git")); err == nil {
			return abs
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return ""
		}
		abs = parent
	}
}

var remoteOrigin = regexp.MustCompile(`^\[remote\s+"origin"\]`)

// originURL reads the url of remote "origin" from the work tree's .git/config; "" if none.
func originURL(root string) string {
	data, err := os.ReadFile(filepath.Join(root, ".git", "config"))
	if err != nil {
		return ""
	}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = remoteOrigin.MatchString(line)
			continue
		}
		if k, v, ok := strings.Cut(line, "="); in && ok && strings.TrimSpace(k) == "url" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
