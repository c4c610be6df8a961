package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
)

// NewCmdProfile groups the commands that show and write the platform profile.
func NewCmdProfile(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Show, discover and write the platform profile (.ck8sargo.yaml)",
		Long: `The profile holds the facts of the managed Argo CD environment: the Argo CD namespace,
the namespaces Applications may deploy into, the platform's own namespaces, the enabled
secret backends and the names of the platform's Secrets and ConfigMaps. Every command reads
it from the built-in defaults, then .ck8sargo.yaml (found from the working directory up) or
--profile FILE.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdProfileShow(root), NewCmdProfileInit(root), NewCmdProfileDiscover(root))
	return cmd
}

// profileSource is what a command that may complete the profile from the cluster
// (--discover) completes: the profile file's profile and, when discovering, the clients
// (no request is sent until discover).
type profileSource struct {
	profile  argocdmanaged.Profile
	clients  *argocdmanaged.Clients
	discover bool
}

// completeProfileSource loads the profile and, when discover is set, makes the clients.
func completeProfileSource(root *RootOptions, discover bool) (profileSource, error) {
	s := profileSource{discover: discover}
	var err error
	if s.profile, err = root.Profile(); err != nil {
		return s, argocdmanagedError(err)
	}
	if discover {
		s.clients, err = root.Clients()
	}
	return s, argocdmanagedError(err)
}

// effective is the profile, completed from the cluster when discovering; what discovery
// could not see is printed on errOut as warnings.
func (s profileSource) effective(ctx context.Context, errOut io.Writer) (argocdmanaged.Profile, error) {
	if !s.discover {
		return s.profile, nil
	}
	d, err := discoverProfile(ctx, s.clients, s.profile)
	if err != nil {
		return argocdmanaged.Profile{}, err
	}
	writeWarnings(errOut, d.Warnings)
	return d.Profile, nil
}

// discoverProfile completes p from the cluster of c.
func discoverProfile(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile) (*argocdmanaged.Discovery, error) {
	d, err := argocdmanaged.Discover(ctx, c, p)
	if err != nil {
		return nil, fmt.Errorf("discovering the profile: %w", err)
	}
	return d, nil
}

// profileOutput is the JSON form of a profile with its sources.
type profileOutput struct {
	Profile  argocdmanaged.Profile        `json:"profile"`
	Fields   []argocdmanaged.ProfileField `json:"fields"`
	Warnings []string                     `json:"warnings,omitempty"`
}

// profileFormats are the formats profile show and discover print.
var profileFormats = []string{"yaml", "json"}

// profileOutputHelp is the help of their -o.
const profileOutputHelp = "output format: text, yaml or json"

func printProfile(out io.Writer, format string, p *argocdmanaged.Profile) error {
	switch format {
	case "yaml":
		data, err := argocdmanaged.MarshalProfile(*p)
		if err != nil {
			return err
		}
		_, err = out.Write(data)
		return err
	case "json":
		return printStructured(out, "json", profileOutput{Profile: *p, Fields: p.Fields()})
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tVALUE\tSOURCE")
	for _, f := range p.Fields() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Path, shorten(f.Value, 60), f.Source)
	}
	return tw.Flush()
}

func printWarnings(root *RootOptions, warnings []string) { writeWarnings(root.ErrOut, warnings) }

func writeWarnings(w io.Writer, warnings []string) {
	for _, x := range warnings {
		fmt.Fprintf(w, "warning: %s\n", oneline.Lines(x))
	}
}

// shorten keeps a table readable: a long list is cut, with the full value left to -o yaml.
func shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}
