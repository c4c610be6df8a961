package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/report"
	"github.com/ck8sargo/ck8sargo/policy/rules"
	"github.com/ck8sargo/ck8sargo/render/charts"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

type policyCheckOptions struct {
	genericiooptions.IOStreams
	root *RootOptions

	paths        []string
	output       *outputFlag
	failOn       string
	allowEmpty   bool
	live         bool
	discover     bool
	repoRoot     string
	repoURL      string
	noRender     bool
	maxFileSize  string
	color        string
	showSuppress bool
	noDecrypt    bool
	renderTime   time.Duration
	offline      bool
	identities   []string

	threshold policy.Severity
	maxBytes  int64
	// clients read the cluster for --live, and its admission policies for --discover.
	clients *argocdmanaged.Clients
	// ring holds the keys that decrypt secrets:// value files, unless --no-decrypt.
	ring *sops.Keyring
}

// NewCmdPolicyCheck checks manifests and, with --live, the cluster's Argo CD objects.
func NewCmdPolicyCheck(root *RootOptions) *cobra.Command {
	o := &policyCheckOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Check manifests (files, directories, - for stdin) against the platform's rules",
		Long: `Reads .yaml, .yml and .json files (directories recursively; - reads stdin), renders the
Helm charts and Kustomize overlays that the Applications among them deploy from this
repository, and reports every rule violation with its file and line and a fix.

Exit status: 0 when no unsuppressed finding reaches --fail-on, 1 when one does, 2 when input
could not be read, no object was found (unless --allow-empty), or the command was misused.`,
		Example: `  # check the repository in a pre-commit hook or CI job
  kubectl ck8sargo policy check .

  # SARIF for code scanning, failing on warnings too
  kubectl ck8sargo policy check deploy/ -o sarif --fail-on warning > policy.sarif

  # a rendered chart from stdin
  helm template shop charts/shop | kubectl ck8sargo policy check -

  # the Applications, ApplicationSets and AppProjects in the cluster, with the profile discovered
  kubectl ck8sargo policy check --live --discover`,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	o.output = addOutput(cmd, "output format: "+strings.Join(report.Formats, ", "), report.Formats[0], report.Formats[1:]...)
	f.StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding reaches this severity: error, warning, info or never")
	f.BoolVar(&o.allowEmpty, "allow-empty", false, "succeed when the paths hold no Kubernetes object")
	f.BoolVar(&o.live, "live", false, "also check the Argo CD objects in the cluster's Argo CD namespace")
	f.BoolVar(&o.discover, "discover", false, "complete the profile from the cluster (managed namespaces, features)")
	f.StringVar(&o.repoRoot, "repo-root", "", "repository whose Application sources are rendered (default: the git top level of the first path)")
	f.StringVar(&o.repoURL, "repo-url", "", "the repository's URL as Applications name it (default: its origin remote)")
	f.BoolVar(&o.noRender, "no-render", false, "do not render Application sources")
	f.StringVar(&o.maxFileSize, "max-file-size", "16Mi", "largest file read; larger files are a finding")
	f.StringVar(&o.color, "color", "auto", "colour text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	f.BoolVar(&o.showSuppress, "show-suppressed", false, "list suppressed findings in text output")
	f.DurationVar(&o.renderTime, "render-timeout", 2*time.Minute, "time budget of rendering one Application source; past it the source is a render-failed finding")
	f.BoolVar(&o.offline, "offline", false, "do not use the network while rendering: charts from Helm repositories come from the cache only, remote Kustomize bases are not fetched")
	f.StringArrayVar(&o.identities, "identity", nil, "private key file that decrypts secrets:// value files: an armored OpenPGP key without passphrase or an age identity file (repeatable); without it, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, ~/.config/sops/age/keys.txt and the GnuPG home are used, as sops does")
	f.BoolVar(&o.noDecrypt, "no-decrypt", false, "do not decrypt sops-encrypted secrets:// value files (by default they are decrypted in memory with the keys sops would find)")
	return cmd
}

// Complete takes the paths, reads the keys that decrypt secrets:// value files (--identity,
// else the keys sops itself would use) and, with --live or --discover, makes the clients
// (no request is sent yet).
func (o *policyCheckOptions) Complete(_ *cobra.Command, args []string) (err error) {
	o.paths = args
	if !o.noDecrypt {
		keys := sopsKeyFlags{identities: o.identities}
		if o.ring, err = keys.keyring(); err != nil {
			return err
		}
	}
	if o.live || o.discover {
		o.clients, err = o.root.Clients()
	}
	return err
}

// Validate checks the flags; it touches neither files nor the cluster. -o is checked when
// it is parsed.
func (o *policyCheckOptions) Validate() error {
	sev, err := policy.ParseSeverity(o.failOn)
	if err != nil {
		return UsageErrorf("--fail-on: %w", err)
	}
	o.threshold = sev
	if len(o.paths) > 1 && slices.Contains(o.paths, "-") {
		return UsageErrorf(`"-" (stdin) cannot be mixed with file paths`)
	}
	if o.maxBytes, err = renderBudget(o.maxFileSize, o.renderTime); err != nil {
		return err
	}
	if o.noDecrypt && len(o.identities) > 0 {
		return UsageErrorf("--identity and --no-decrypt contradict each other: keep one")
	}
	return validateColor(o.color)
}

// Run completes the profile (from the cluster with --discover), checks and prints the
// report.
func (o *policyCheckOptions) Run(ctx context.Context) error {
	opts := policy.DefaultOptions()
	p, err := o.root.EffectiveProfile(ctx, o.discover)
	if err != nil {
		return err
	}
	opts.Profile = p
	opts.Rules = hintRules(rules.Builtin())
	opts.RepoRoot, opts.RepoURL, opts.NoRender = o.repoRoot, o.repoURL, o.noRender
	opts.MaxFileSize = o.maxBytes
	opts.RenderTimeout, opts.Offline = o.renderTime, o.offline
	if opts.Charts, err = charts.New(charts.Options{Offline: o.offline}); err != nil {
		return err
	}
	if o.ring != nil {
		// Decrypted values stay in memory.
		opts.Decrypter = &sops.Client{Keyring: o.ring}
	}

	in := policy.Inputs{Paths: o.paths, Stdin: o.In}
	if len(in.Paths) == 0 && !o.live {
		in.Paths = []string{"."}
	}
	if o.live {
		in.Live = o.clients
	} else if o.discover {
		// --discover judges workloads by the cluster's admission policies too.
		pols, warnings, err := admission.Discover(ctx, o.clients)
		if err != nil {
			return fmt.Errorf("reading the admission policies: %w", err)
		}
		for _, w := range warnings {
			fmt.Fprintf(o.ErrOut, "warning: workloads are judged without what cannot be read: %s\n", oneline.Lines(w.Error()))
		}
		if len(pols.Objects) > 0 {
			opts.Admission = &pols
		}
	}
	rep, checkErr := policy.Check(ctx, in, opts)
	var fe *policy.FileError
	if checkErr != nil && !errors.As(checkErr, &fe) {
		return policyError(checkErr)
	}
	if rep.Summary.Objects == 0 && checkErr == nil && !o.allowEmpty && len(rep.Findings) == 0 {
		where := strings.Join(in.Paths, " ")
		if o.live {
			where = strings.TrimSpace(where + " and the cluster's Argo CD namespace")
		}
		return UsageErrorf("no Kubernetes objects found in %s; check the paths, or pass --allow-empty", where)
	}
	hintFindings(rep.Findings)
	ropts := report.Options{Rules: opts.Rules, ToolVersion: version, InformationURI: "https://github.com/ck8sargo/ck8sargo",
		Color: useColor(o.color, o.output.format, o.Out), ShowSuppressed: o.showSuppress}
	if err := report.Write(o.Out, o.output.format, rep, ropts); err != nil {
		return err
	}
	if checkErr != nil {
		return fmt.Errorf("some input could not be read (the rest was checked): %w", checkErr)
	}
	if rep.Fails(o.threshold) {
		return policy.ErrFindings
	}
	return nil
}
