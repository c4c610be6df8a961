package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/notify"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/report"
)

type notifyLintOptions struct {
	genericiooptions.IOStreams
	root       *RootOptions
	configMap  string
	secret     string
	manifests  []string
	output     *outputFlag
	failOnFlag string
	failOn     policy.Severity
	profile    argocdmanaged.Profile
}

// NewCmdNotifyLint checks the notifications configuration as the controller would read it.
func NewCmdNotifyLint(root *RootOptions) *cobra.Command {
	o := &notifyLintOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "lint [MANIFEST...]",
		Short: "Find every mistake the notifications controller would trip on",
		Long: `Checks the notifications ConfigMap and Secret with the controller's own engine: service keys
and types, required fields, $secret references, triggers (send, when, oncePer, nil guards),
templates (syntax, functions, rendering on typical Applications), default triggers,
subscriptions on Applications and AppProjects, and whether the engine accepts the
configuration as a whole. Each problem is a finding with a rule ID (see docs/notify.md).

Without --config-map it lints the live objects and the subscriptions of the live
Applications and AppProjects. MANIFEST files add Applications and AppProjects (and may hold
the ConfigMap and Secret themselves). A check that needs what you may not read (the
Secret, the list of Applications) is unknown (notify-unknown), neither passed nor failed.
Exit code 1 when a finding reaches --fail-on, 2 when input cannot be read or, with nothing
failed, a check is unknown.`,
		Example: `  # the live configuration and subscriptions
  kubectl ck8sargo notify lint

  # files, as a CI gate
  kubectl ck8sargo notify lint --config-map argocd/notifications-cm.yaml --secret argocd/notifications-secret.yaml apps/*.yaml -o json`,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.configMap, "config-map", "", "file holding the notifications ConfigMap (default: the live one)")
	f.StringVar(&o.secret, "secret", "", "file holding the notifications Secret (with --config-map)")
	o.output = addOutput(cmd, "report format: "+strings.Join(lintFormats(), ", "), lintFormats()[0], lintFormats()[1:]...)
	f.StringVar(&o.failOnFlag, "fail-on", "error", "lowest severity that fails the check: error, warning, info or never")
	return cmd
}

// Complete takes the MANIFEST arguments, the --fail-on severity and the profile.
func (o *notifyLintOptions) Complete(_ *cobra.Command, args []string) error {
	o.manifests = args
	sev, err := policy.ParseSeverity(o.failOnFlag)
	if err != nil {
		return UsageErrorf("--fail-on: %w", err)
	}
	o.failOn = sev
	if o.profile, err = o.root.Profile(); err != nil {
		return err
	}
	return nil
}

// Validate refuses a local Secret without a local ConfigMap.
func (o *notifyLintOptions) Validate() error {
	if o.secret != "" && o.configMap == "" {
		return UsageErrorf("--secret needs --config-map: a local Secret is linted with a local ConfigMap")
	}
	return nil
}

// Run reads the configuration (files or live), lints it and prints the report.
func (o *notifyLintOptions) Run(ctx context.Context) error {
	p := o.profile
	var m notify.Manifests
	if err := readConfigFiles(o.configMap, o.secret, &m); err != nil {
		return err
	}
	seen := map[string]bool{o.configMap: true, o.secret: true}
	for _, f := range o.manifests {
		if f != "" && !seen[f] {
			seen[f] = true
			if err := readManifestFile(f, &m); err != nil {
				return err
			}
		}
	}
	opts := notify.LintOptions{Applications: m.Applications, AppProjects: m.AppProjects, ArgoCDVersion: p.ArgoCD.Version}
	cm, cmFile := pickConfigMap(&m, p, o.configMap != "")
	var cfg *notify.Config
	switch {
	case o.configMap != "" && cm == nil:
		return UsageErrorf("--config-map %s holds no ConfigMap", o.configMap)
	case cm != nil:
		var secret *corev1.Secret
		for _, s := range m.Secrets {
			if s.Object.Name == p.Notifications.Secret || len(m.Secrets) == 1 {
				secret, opts.SecretFile = s.Object, s.File
			}
		}
		cfg = notify.FromObjects(p, cm, secret)
		opts.ConfigMapFile = cmFile
		// Findings point at the key's line; without the source they name the key only.
		opts.ConfigMapSource, _ = inputfile.Read(cmFile, notify.MaxManifestBytes)
	default:
		c, err := notifyClients(o.root)
		if err != nil {
			return err
		}
		if cfg, err = notify.LoadForCheck(ctx, c, p); err != nil {
			return err
		}
		if len(o.manifests) == 0 {
			if err := liveSubscribers(ctx, o.root, c, p, &opts); err != nil {
				return err
			}
		}
	}
	rep := notify.Lint(cfg, opts)
	withLintCommands(rep)
	rep.Summary.Files = len(o.manifests)
	if o.configMap != "" {
		rep.Summary.Files++
	}
	if o.secret != "" {
		rep.Summary.Files++
	}
	if err := writeLintReport(o.Out, o.output.format, rep); err != nil {
		return err
	}
	if notify.Fails(rep, o.failOn) {
		return policy.ErrFindings
	}
	if n := notify.Unknown(rep); n > 0 {
		// No verdict about what could not be read: the checks made passed, the others
		// are neither passed nor failed.
		return fmt.Errorf("%d check(s) unknown: what they need could not be read from the cluster (see the notify-unknown findings)", n)
	}
	return nil
}

func pickConfigMap(m *notify.Manifests, p argocdmanaged.Profile, explicit bool) (*corev1.ConfigMap, string) {
	for _, c := range m.ConfigMaps {
		if c.Object.Name == p.Notifications.ConfigMap {
			return c.Object, c.File
		}
	}
	if explicit && len(m.ConfigMaps) == 1 {
		return m.ConfigMaps[0].Object, m.ConfigMaps[0].File
	}
	return nil, ""
}

// liveSubscribers adds the live Applications and AppProjects of the Argo CD namespace. A
// list the user may not make is an unknown check: the configuration is still linted.
func liveSubscribers(ctx context.Context, root *RootOptions, c *argocdmanaged.Clients, p argocdmanaged.Profile, opts *notify.LintOptions) error {
	ns := p.ArgoCD.Namespace
	apps, err := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil && isUnreachable(c.Explain(err, "list", argocdmanaged.ApplicationsResource, ns, "")) {
		return c.Explain(err, "list", argocdmanaged.ApplicationsResource, ns, "")
	}
	if err != nil {
		opts.Unreadable = append(opts.Unreadable, notify.Unreadable{What: "the subscriptions of the Applications in namespace " + ns, Err: c.Explain(err, "list", argocdmanaged.ApplicationsResource, ns, "")})
	} else {
		for i := range apps.Items {
			a := &argocdmanaged.Application{}
			if err := argocdmanaged.FromUnstructured(&apps.Items[i], a); err != nil {
				return err
			}
			opts.Applications = append(opts.Applications, notify.Located[*argocdmanaged.Application]{Object: a})
		}
	}
	projects, err := c.Dynamic.Resource(argocdmanaged.AppProjectsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil && isUnreachable(c.Explain(err, "list", argocdmanaged.AppProjectsResource, ns, "")) {
		return c.Explain(err, "list", argocdmanaged.AppProjectsResource, ns, "")
	}
	if err != nil {
		opts.Unreadable = append(opts.Unreadable, notify.Unreadable{What: "the subscriptions of the AppProjects in namespace " + ns, Err: c.Explain(err, "list", argocdmanaged.AppProjectsResource, ns, "")})
		return nil
	}
	for i := range projects.Items {
		pr := &argocdmanaged.AppProject{}
		if err := argocdmanaged.FromUnstructured(&projects.Items[i], pr); err != nil {
			return err
		}
		opts.AppProjects = append(opts.AppProjects, notify.Located[*argocdmanaged.AppProject]{Object: pr})
	}
	return nil
}

// writeLintReport prints a report with the shared report writers.
func writeLintReport(w io.Writer, format string, rep *policy.Report) error {
	color := false
	if f, ok := w.(*os.File); ok && format == "text" && os.Getenv("NO_COLOR") == "" {
		color = term.IsTerminal(int(f.Fd()))
	}
	return report.Write(w, format, *rep, report.Options{
		Rules: lintPolicyRules(), ToolName: "ck8sargo notify lint", ToolVersion: version,
		InformationURI: "https://github.com/ck8sargo/ck8sargo", Color: color,
	})
}

// lintFormats are the report formats of notify lint: those of policy check.
func lintFormats() []string { return report.Formats }

// lintCommands are the remediations of the rules that a command or flag of this plugin
// fixes, in place of the library's, which name none.
var lintCommands = map[string]string{
	notify.RuleSubscriptionTrigger: "Subscribe to an existing trigger, or install it (notify catalog --install).",
	notify.RuleSubscriptionService: "Subscribe with an existing service name, or add the service (notify service add).",
	notify.RuleUnknown:             "Ask the Platform Administrator for the right named, or lint files (--config-map, --secret, manifests); an unknown check is neither passed nor failed.",
}

// withLintCommands gives the findings of rep the remediations of lintCommands.
func withLintCommands(rep *policy.Report) {
	for i, f := range rep.Findings {
		if r, ok := lintCommands[f.Rule]; ok {
			rep.Findings[i].Remediation = r
		}
	}
}

// lintPolicyRules are the lint rules for the report writers, with the remediations of
// lintCommands.
func lintPolicyRules() []policy.Rule {
	rules := notify.LintRules()
	for i, r := range rules {
		if fix, ok := lintCommands[r.ID]; ok {
			rules[i].Remediation = fix
		}
	}
	return rules
}
