package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/notify"
)

type notifyTestOptions struct {
	genericiooptions.IOStreams
	root      *RootOptions
	app       string
	file      string
	configMap string
	secret    string
	output    *outputFlag
	opts      notify.EvaluateOptions
	profile   argocdmanaged.Profile
}

// NewCmdNotifyTest evaluates an Application's subscribed triggers and renders the messages.
func NewCmdNotifyTest(root *RootOptions) *cobra.Command {
	o := &notifyTestOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "test APP",
		Short: "Show which triggers fire for an Application and what each recipient gets",
		Long: `Evaluates every trigger the Application subscribes to (through its annotations, its
AppProject's and the ConfigMap's subscriptions), or only --trigger, with the controller's
engine: prints each condition and whether it is true (or why it failed), the oncePer value,
whether the controller has already sent it (the notified annotation), and the rendered
message for each recipient. Values of the notifications Secret are redacted from the
messages and from every error; --show-secrets shows them in the messages. With --send the notifications whose condition is true are
delivered through the real services; --ignore-conditions renders (and sends) them all.

"would be sent" means the engine would deliver it: the service is defined, the recipient is
valid for it, the template renders and the payload is what the service accepts; otherwise
the line says why; "unknown" when that depends on what you may not read (the notifications
Secret, the AppProject). Exit code 1 when a notification would not be delivered, fails to
render or fails to send; 2 when, with nothing failed, something is unknown.`,
		Example: `  kubectl ck8sargo notify test my-argo-application
  kubectl ck8sargo notify test my-argo-application --trigger on-sync-succeeded --send
  # files only: no cluster needed
  kubectl ck8sargo notify test -f apps/shop.yaml --config-map notifications-cm.yaml --secret notifications-secret.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "filename", "f", "", "read the Application (and AppProjects) from this manifest file")
	f.StringVar(&o.configMap, "config-map", "", "file holding the notifications ConfigMap (default: the live one)")
	f.StringVar(&o.secret, "secret", "", "file holding the notifications Secret (with --config-map)")
	f.StringVar(&o.opts.Trigger, "trigger", "", "evaluate only this trigger")
	f.BoolVar(&o.opts.Send, "send", false, "deliver the notifications whose condition is true")
	f.BoolVar(&o.opts.IgnoreConditions, "ignore-conditions", false, "render (and with --send, deliver) every subscribed notification, true condition or not")
	f.BoolVar(&o.opts.ShowSecrets, "show-secrets", false, "show values of the notifications Secret in the rendered messages (redacted by default; errors stay redacted)")
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete takes the Application's name, when given, and the profile.
func (o *notifyTestOptions) Complete(_ *cobra.Command, args []string) (err error) {
	if len(args) == 1 {
		o.app = args[0]
	}
	o.profile, err = o.root.Profile()
	return err
}

// Validate needs an Application (by name or file) and a local ConfigMap with a local Secret.
func (o *notifyTestOptions) Validate() error {
	if o.app == "" && o.file == "" {
		return UsageErrorf("name the Application, or pass -f FILE")
	}
	if o.secret != "" && o.configMap == "" {
		return UsageErrorf("--secret needs --config-map")
	}
	return nil
}

// Run reads the configuration and the Application (files or live), evaluates its
// subscriptions, sends with --send, and prints the evaluation.
func (o *notifyTestOptions) Run(ctx context.Context) error {
	p := o.profile
	var err error
	var c *argocdmanaged.Clients
	clients := func() (*argocdmanaged.Clients, error) {
		if c == nil {
			c, err = notifyClients(o.root)
		}
		return c, err
	}
	var cfg *notify.Config
	if o.configMap != "" {
		if cfg, err = readLocalConfig(p, o.configMap, o.secret); err != nil {
			return err
		}
	} else {
		cl, err := clients()
		if err != nil {
			return err
		}
		if cfg, err = notify.LoadForCheck(ctx, cl, p); err != nil {
			return err
		}
	}
	app, projects, err := o.application(ctx, p, clients)
	if err != nil {
		return err
	}
	o.opts.Projects = projects
	if o.opts.ShowSecrets {
		fmt.Fprintf(o.ErrOut, "warning: --show-secrets: the rendered messages below show values of Secret %s/%s; do not share this output\n", cfg.Namespace, cfg.SecretName)
	}
	restore := func() {}
	if o.opts.Send {
		restore = quietStderr()
	}
	ev, err := notify.Evaluate(ctx, cfg, app, o.opts)
	restore()
	if err != nil {
		return err
	}
	if o.output.format != "text" {
		err = printStructured(o.Out, o.output.format, ev)
	} else {
		err = printEvaluation(o.Out, ev, o.opts)
	}
	if err != nil {
		return err
	}
	if ev.RenderFailed() || ev.SendFailed() || ev.Undeliverable() {
		return ProblemsFound()
	}
	if ev.IsUnknown() {
		// No verdict about what could not be read: neither "would be sent" (0) nor a
		// failure (1).
		return fmt.Errorf("not every delivery could be checked: an object could not be read (see the unknown lines above)")
	}
	return nil
}

func (o *notifyTestOptions) application(ctx context.Context, p argocdmanaged.Profile, clients func() (*argocdmanaged.Clients, error)) (*argocdmanaged.Application, []*argocdmanaged.AppProject, error) {
	if o.file != "" {
		var m notify.Manifests
		if err := readManifestFile(o.file, &m); err != nil {
			return nil, nil, err
		}
		var app *argocdmanaged.Application
		for _, a := range m.Applications {
			if o.app == "" || a.Object.Name == o.app {
				if app != nil {
					return nil, nil, UsageErrorf("%s holds more than one Application; name the one to test", o.file)
				}
				app = a.Object
			}
		}
		if app == nil {
			return nil, nil, UsageErrorf("%s holds no Application%s", o.file, map[bool]string{true: " named " + o.app}[o.app != ""])
		}
		var projects []*argocdmanaged.AppProject
		for _, pr := range m.AppProjects {
			projects = append(projects, pr.Object)
		}
		return app, projects, nil
	}
	c, err := clients()
	if err != nil {
		return nil, nil, err
	}
	ns := p.ArgoCD.Namespace
	u, err := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).Get(ctx, o.app, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil, UsageErrorf("Application %q not found in namespace %s", o.app, ns)
		}
		return nil, nil, c.Explain(err, "get", argocdmanaged.ApplicationsResource, ns, o.app)
	}
	app := &argocdmanaged.Application{}
	if err := argocdmanaged.FromUnstructured(u, app); err != nil {
		return nil, nil, err
	}
	project := app.Spec.Project
	if project == "" {
		project = "default"
	}
	pu, err := c.Dynamic.Resource(argocdmanaged.AppProjectsResource).Namespace(ns).Get(ctx, project, metav1.GetOptions{})
	if err != nil && isUnreachable(c.Explain(err, "get", argocdmanaged.AppProjectsResource, ns, project)) {
		return nil, nil, c.Explain(err, "get", argocdmanaged.AppProjectsResource, ns, project)
	}
	if err != nil && !apierrors.IsNotFound(err) {
		// Its subscriptions are unknown; templates see an empty .appProject, as in Argo CD.
		o.opts.ProjectUnreadable = c.Explain(err, "get", argocdmanaged.AppProjectsResource, ns, project)
		return app, nil, nil
	}
	if err != nil {
		// Argo CD gives templates an empty appProject in this case too.
		fmt.Fprintf(o.ErrOut, "warning: AppProject %s not found, templates see an empty .appProject\n", project)
		return app, nil, nil
	}
	pr := &argocdmanaged.AppProject{}
	if err := argocdmanaged.FromUnstructured(pu, pr); err != nil {
		return nil, nil, err
	}
	return app, []*argocdmanaged.AppProject{pr}, nil
}

func printEvaluation(w io.Writer, ev *notify.Evaluation, opts notify.EvaluateOptions) error {
	fmt.Fprintf(w, "Application %s\n", ev.Application)
	for _, u := range ev.Unknown {
		fmt.Fprintf(w, "  unknown: %s\n", oneline.Lines(u))
	}
	if len(ev.Triggers) == 0 {
		_, err := fmt.Fprintln(w, "  no subscriptions: add one with `kubectl ck8sargo notify subscribe`")
		return err
	}
	for _, t := range ev.Triggers {
		fmt.Fprintf(w, "\ntrigger %s\n", t.Trigger)
		if t.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", oneline.Lines(t.Error))
			continue
		}
		for _, c := range t.Conditions {
			state := "false"
			if c.Triggered {
				state = "TRUE"
			}
			fmt.Fprintf(w, "  condition %d: %s", c.Index, state)
			if c.Description != "" {
				fmt.Fprintf(w, "  (%s)", c.Description)
			}
			fmt.Fprintln(w)
			fmt.Fprintf(w, "    when: %s\n", oneline.Lines(c.When))
			if c.Error != "" {
				fmt.Fprintf(w, "    error: %s\n", oneline.Lines(c.Error))
			}
			if c.OncePer != "" {
				fmt.Fprintf(w, "    oncePer: %s\n", c.OncePer)
			}
			fmt.Fprintf(w, "    sends: %s\n", strings.Join(c.Templates, ", "))
		}
		for _, d := range t.Deliveries {
			fmt.Fprintf(w, "  -> %s %q: %s\n", d.Service, d.Recipient, deliveryState(d, opts))
			if d.RenderError != "" {
				fmt.Fprintf(w, "     render error: %s\n", oneline.Lines(d.RenderError))
				continue
			}
			if d.SendError != "" {
				fmt.Fprintf(w, "     send error: %s\n", oneline.Lines(d.SendError))
			}
			for _, n := range d.Notes {
				fmt.Fprintf(w, "     note: %s\n", oneline.Lines(n))
			}
			printNotification(w, d.ServiceType, d.Service, d.Notification)
		}
	}
	return nil
}

func deliveryState(d notify.Delivery, opts notify.EvaluateOptions) string {
	switch {
	case d.Sent:
		return "sent"
	case d.SendError != "":
		return "send failed"
	case d.RenderError != "":
		return "render failed"
	case d.Undeliverable != "" && opts.Send:
		return "not delivered: " + oneline.Lines(d.Undeliverable)
	case d.Undeliverable != "":
		return "would not be sent: " + oneline.Lines(d.Undeliverable)
	case d.Unknown != "":
		return "unknown: " + oneline.Lines(d.Unknown)
	case !d.Triggered:
		return "condition false (shown because of --ignore-conditions)"
	case d.AlreadyNotified:
		return "would not be sent again: the notified annotation records it"
	case opts.Send:
		return "not sent"
	}
	return "would be sent (use --send to deliver)"
}

// printNotification shows the parts of a notification that its service type sends.
func printNotification(w io.Writer, serviceType, service string, n *services.Notification) {
	if n == nil {
		return
	}
	field := func(name, v string) {
		if v == "" {
			return
		}
		lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
		fmt.Fprintf(w, "     %s: %s\n", name, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "       %s\n", l)
		}
	}
	switch serviceType {
	case "email":
		body := n.Message
		if n.Email != nil {
			field("subject", n.Email.Subject)
			if n.Email.Body != "" {
				body = n.Email.Body
			}
		}
		field("body", body)
	case "webhook":
		if wh, ok := n.Webhook[service]; ok {
			field("method", wh.Method)
			field("path", wh.Path)
			field("body", wh.Body)
		} else {
			field("body", n.Message)
		}
	case "slack":
		field("message", n.Message)
		if n.Slack != nil {
			field("attachments", n.Slack.Attachments)
			field("blocks", n.Slack.Blocks)
		}
	case "teams":
		field("message", n.Message)
		if n.Teams != nil {
			field("title", n.Teams.Title)
			field("text", n.Teams.Text)
			field("facts", n.Teams.Facts)
		}
	default:
		field("message", n.Message)
	}
}
