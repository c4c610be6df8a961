package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
	"github.com/ck8sargo/ck8sargo/notify"
)

type subscribeOptions struct {
	genericiooptions.IOStreams
	root        *RootOptions
	unsubscribe bool
	project     bool
	file        string
	config      string
	force       bool
	sub         notify.Subscription
	write       writeFlags
	target      notify.Target
	profile     argocdmanaged.Profile
}

// NewCmdNotifySubscribe adds recipients to an Application's or AppProject's subscription.
func NewCmdNotifySubscribe(root *RootOptions) *cobra.Command {
	return newSubscribeCmd(root, false)
}

func newSubscribeCmd(root *RootOptions, unsubscribe bool) *cobra.Command {
	o := &subscribeOptions{IOStreams: root.IOStreams, root: root, unsubscribe: unsubscribe}
	cmd := &cobra.Command{
		Use:   "subscribe NAME --service SERVICE [--trigger TRIGGER] --recipient R [--recipient R2]",
		Short: "Subscribe recipients to a trigger of an Application (or AppProject)",
		Long: `Sets the annotation notifications.argoproj.io/subscribe.<trigger>.<service> of an Application
in the Argo CD namespace (or of an AppProject with --project, which covers all its
Applications), with recipients joined by ';'. Recipients already subscribed are kept.
Without --trigger the subscription uses the default triggers of the ConfigMap.

Live objects are changed with your identity by server-side apply; with -f the manifest file
is edited instead, so the change goes through git.`,
		Example: `  kubectl ck8sargo notify subscribe my-argo-application --trigger on-sync-succeeded --service email \
      --recipient dev@example.com --recipient ops@example.com
  kubectl ck8sargo notify subscribe shop --project --trigger on-sync-failed --service slack --recipient shop-alerts
  kubectl ck8sargo notify subscribe shop -f apps/shop.yaml --trigger on-deployed --service slack --recipient deploys`,
		Args: cobra.MaximumNArgs(1),
		RunE: runCommand(o),
	}
	if unsubscribe {
		unsubscribeHelp(cmd)
	}
	f := cmd.Flags()
	f.StringVar(&o.sub.Trigger, "trigger", "", "trigger name (default: the ConfigMap's default triggers)")
	f.StringVar(&o.sub.Service, "service", "", "service name, as in service.<type>[.<name>]")
	f.StringArrayVar(&o.sub.Recipients, "recipient", nil, "recipient: email address, channel, Teams recipient name, ... (repeatable)")
	f.BoolVar(&o.project, "project", false, "NAME is an AppProject: the subscription covers all its Applications")
	f.StringVarP(&o.file, "filename", "f", "", "edit this manifest file instead of the live object")
	if !unsubscribe {
		f.StringVar(&o.config, "config", "", "check the subscription against this notifications ConfigMap file (default: the live one)")
		f.BoolVar(&o.force, "force", false, "subscribe even to a trigger, service or recipient the configuration does not have")
	}
	o.write = addWriteFlags(cmd)
	return cmd
}

// Complete names the Application or AppProject and reads the profile, unless a manifest
// file is edited without a check, which needs none.
func (o *subscribeOptions) Complete(_ *cobra.Command, args []string) (err error) {
	o.target = notify.Target{Kind: argocdmanaged.KindApplication}
	if o.project {
		o.target.Kind = argocdmanaged.KindAppProject
	}
	if len(args) == 1 {
		o.target.Name = args[0]
	}
	if o.file == "" || o.checks() {
		o.profile, err = o.root.Profile()
	}
	return err
}

// checks says whether the subscription is checked against a configuration first.
func (o *subscribeOptions) checks() bool { return !o.unsubscribe && !o.force }

// Validate needs a target and a service, and a subscription the annotations can hold.
func (o *subscribeOptions) Validate() error {
	if o.target.Name == "" && o.file == "" {
		return UsageErrorf("name the %s (or pass -f FILE)", o.target.Kind)
	}
	if o.sub.Service == "" {
		return UsageErrorf("--service is required")
	}
	if _, _, err := notify.Subscribe(nil, o.sub); err != nil {
		return UsageErrorf("%w", err)
	}
	return nil
}

func (o *subscribeOptions) edit(annots map[string]string) (bool, error) {
	if o.unsubscribe {
		return notify.Unsubscribe(annots, o.sub)
	}
	_, changed, err := notify.Subscribe(annots, o.sub)
	return changed, err
}

// check refuses what lint would reject, against --config or the live configuration.
func (o *subscribeOptions) check(ctx context.Context) error {
	if !o.checks() {
		return nil
	}
	var cfg *notify.Config
	var err error
	if o.config != "" {
		cfg, err = readLocalConfig(o.profile, o.config, "")
	} else {
		cfg, _, err = loadLive(ctx, o.root, o.profile)
		if err != nil {
			err = fmt.Errorf("checking the subscription against the live configuration: %w (pass --config FILE to check against a file, or --force)", err)
		}
	}
	if err != nil {
		return err
	}
	if err := notify.CheckSubscription(cfg, o.sub); err != nil {
		return subscriptionHint(err)
	}
	return nil
}

// Run edits the manifest file or the live object.
func (o *subscribeOptions) Run(ctx context.Context) error {
	if !o.unsubscribe && len(o.sub.Recipients) == 0 {
		fmt.Fprintln(o.ErrOut, "note: no --recipient: only services that need none (webhook, github) can deliver this")
	}
	if o.file != "" {
		return o.runFile(ctx)
	}
	if err := o.check(ctx); err != nil {
		return err
	}
	c, err := notifyClients(o.root)
	if err != nil {
		return err
	}
	obj, changed, err := notify.EditLive(ctx, c, o.profile, o.target, o.edit, o.write.dry())
	if err != nil {
		return err
	}
	return o.report(obj, changed)
}

func (o *subscribeOptions) runFile(ctx context.Context) error {
	content, err := readNotifyInput(o.file, notify.MaxManifestBytes)
	if err != nil {
		return err
	}
	if err := notify.CheckText(o.file, content); err != nil {
		return UsageErrorf("%w: -f takes the YAML manifest of the %s", err, o.target.Kind)
	}
	if err := o.check(ctx); err != nil {
		return err
	}
	out, changed, err := notify.EditFile(content, o.target, o.edit)
	if err != nil {
		return UsageErrorf("%s: %w", o.file, err)
	}
	if o.write.printsObjects() {
		_, err = o.Out.Write(out)
		return err
	}
	if changed && !o.write.dryRun.enabled() {
		info, err := os.Stat(o.file)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(o.file, out, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return o.status(changed, o.file)
}

func (o *subscribeOptions) report(obj *unstructured.Unstructured, changed bool) error {
	if o.write.printsObjects() {
		unstructured.RemoveNestedField(obj.Object, "metadata", "managedFields")
		return printObjects(o.Out, o.write.output.format, []any{obj.Object})
	}
	return o.status(changed, strings.ToLower(o.target.Kind)+"/"+o.target.Name)
}

func (o *subscribeOptions) status(changed bool, what string) error {
	key := o.sub.AnnotationKey()
	switch {
	case !changed:
		_, err := fmt.Fprintf(o.Out, "%s unchanged: %s already as asked\n", what, key)
		return err
	case o.unsubscribe:
		_, err := fmt.Fprintf(o.Out, "%s: updated %s%s\n", what, key, o.write.dryNote())
		return err
	}
	_, err := fmt.Fprintf(o.Out, "%s: subscribed %s to %s%s\n", what, strings.Join(o.sub.Recipients, ";"), key, o.write.dryNote())
	return err
}
