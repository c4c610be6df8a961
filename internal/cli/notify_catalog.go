package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

type notifyCatalogOptions struct {
	genericiooptions.IOStreams
	root    *RootOptions
	install bool
	only    []string
	force   bool
	write   writeFlags
	profile argocdmanaged.Profile
}

// NewCmdNotifyCatalog shows or installs the project's catalog of triggers and templates.
func NewCmdNotifyCatalog(root *RootOptions) *cobra.Command {
	o := &notifyCatalogOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Show or install the standard triggers and templates (on-sync-failed, on-deployed, ...)",
		Long: `The catalog has the triggers of Argo CD's notifications catalog (on-created, on-deleted,
on-deployed, on-health-degraded, on-sync-failed, on-sync-running, on-sync-status-unknown,
on-sync-succeeded) and their app-* templates, written for this project: the conditions fire
exactly when Argo CD's do, but are false rather than an error on Applications without
status, and the templates have email, Slack and Teams messages that render whatever fields
are missing.

--install adds them to the notifications ConfigMap. A trigger or template of the same name
that you wrote yourself is kept unless you pass --force.`,
		Example: `  # list the catalog
  kubectl ck8sargo notify catalog

  # install two triggers and their templates, showing what would change first
  kubectl ck8sargo notify catalog --install --only on-sync-failed,on-deployed --dry-run=client -o yaml
  kubectl ck8sargo notify catalog --install --only on-sync-failed,on-deployed`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().BoolVar(&o.install, "install", false, "add the catalog to the notifications ConfigMap")
	cmd.Flags().StringSliceVar(&o.only, "only", nil, "only these triggers (and their templates), comma-separated")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace your own triggers and templates of the same names")
	o.write = addWriteFlags(cmd)
	return cmd
}

// Complete reads the profile for --install; the catalog itself is built in, so listing it
// needs no profile, and the live configuration is read only when Run installs.
func (o *notifyCatalogOptions) Complete(_ *cobra.Command, _ []string) (err error) {
	if o.install {
		o.profile, err = o.root.Profile()
	}
	return err
}

// Validate checks that --only names triggers of the catalog.
func (o *notifyCatalogOptions) Validate() error {
	if _, err := notify.CatalogEntries(o.only); err != nil {
		return UsageErrorf("--only: %w", err)
	}
	return nil
}

// Run lists the catalog, or installs it into the live ConfigMap.
func (o *notifyCatalogOptions) Run(ctx context.Context) error {
	if !o.install {
		return o.show()
	}
	cfg, c, err := loadLive(ctx, o.root, o.profile)
	if err != nil {
		return err
	}
	res, err := cfg.InstallCatalog(o.only, o.force)
	if err != nil {
		return err
	}
	for _, k := range res.Kept {
		fmt.Fprintf(o.ErrOut, "warning: kept your own %s; pass --force to replace it with the catalog's\n", k)
	}
	if !o.write.printsObjects() {
		for _, k := range res.Added {
			fmt.Fprintf(o.Out, "added %s\n", k)
		}
		for _, k := range res.Replaced {
			fmt.Fprintf(o.Out, "replaced %s\n", k)
		}
	}
	return applyConfig(ctx, o.Out, c, cfg, &o.write)
}

func (o *notifyCatalogOptions) show() error {
	entries, err := notify.CatalogEntries(o.only)
	if err != nil {
		return err
	}
	switch o.write.output.format {
	case "yaml":
		data, err := yaml.Marshal(map[string]any{"data": entries})
		if err != nil {
			return err
		}
		_, err = o.Out.Write(data)
		return err
	case "json":
		return printStructured(o.Out, "json", map[string]any{"data": entries})
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TRIGGER\tSENDS\tWHEN")
	cfg := &notify.Config{Data: entries}
	for _, t := range cfg.Triggers() {
		for _, c := range t.Conditions {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, strings.Join(c.Send, ","), c.Description)
		}
	}
	return tw.Flush()
}
