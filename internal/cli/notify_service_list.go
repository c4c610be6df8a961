package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/notify"
)

type notifyServiceListOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	output *outputFlag

	cfg *notify.Config
}

// serviceInfo is one service as listed: no secret values, only whether references resolve.
type serviceInfo struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Key        string   `json:"key"`
	SecretKeys []string `json:"secretKeys"`
	Missing    []string `json:"missingSecretKeys"`
	Error      string   `json:"error,omitempty"`
}

// NewCmdNotifyServiceList lists the configured services.
func NewCmdNotifyServiceList(root *RootOptions) *cobra.Command {
	o := &notifyServiceListOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the notification services and whether their Secret keys exist",
		Example: `  kubectl ck8sargo notify service list
  kubectl ck8sargo notify service list -o json`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete reads the profile and the live configuration.
func (o *notifyServiceListOptions) Complete(cmd *cobra.Command, _ []string) error {
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	o.cfg, _, err = loadLive(cmd.Context(), o.root, p)
	return err
}

// Validate has nothing to check: -o is checked when it is parsed.
func (o *notifyServiceListOptions) Validate() error { return nil }

// Run lists the services of the configuration.
func (o *notifyServiceListOptions) Run(_ context.Context) error {
	cfg := o.cfg
	infos := []serviceInfo{}
	for _, s := range cfg.Services() {
		i := serviceInfo{Name: s.Name, Type: s.Type, Key: s.Key, SecretKeys: notify.SecretRefs(s.Raw), Missing: []string{}}
		if s.Err != nil {
			i.Error = s.Err.Error()
		}
		for _, k := range i.SecretKeys {
			if _, ok := cfg.SecretData[k]; !ok {
				i.Missing = append(i.Missing, k)
			}
		}
		infos = append(infos, i)
	}
	if o.output.format != "text" {
		return printStructured(o.Out, o.output.format, infos)
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tKEY\tSECRET KEYS\tMISSING")
	for _, i := range infos {
		missing := strings.Join(i.Missing, ",")
		if i.Error != "" {
			missing = "error: " + oneline.Lines(i.Error)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.Name, i.Type, i.Key, strings.Join(i.SecretKeys, ","), missing)
	}
	return tw.Flush()
}
