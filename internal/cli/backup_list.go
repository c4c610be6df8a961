package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/bytesize"
)

func backupKinds() []string { return archive.Kinds }

// backupSummary is how list and show print one backup.
type backupSummary struct {
	Name       string         `json:"name"`
	Created    time.Time      `json:"created"`
	Age        string         `json:"age"`
	Size       int64          `json:"size"`
	Objects    int            `json:"objects"`
	Counts     map[string]int `json:"counts"`
	Encryption string         `json:"encryption"`
	Recipients []string       `json:"recipients,omitempty"`
	// SignedBy is the public key of the identity that signed the manifest (unchecked
	// here: backup verify checks it); empty when unsigned.
	SignedBy  string   `json:"signedBy,omitempty"`
	Server    string   `json:"server"`
	Namespace string   `json:"namespace"`
	Format    int      `json:"formatVersion"`
	Warnings  []string `json:"warnings,omitempty"`
}

type backupListOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	from   string
	output *outputFlag

	*backupSession
}

// NewCmdBackupList lists the complete backups of a store.
func NewCmdBackupList(root *RootOptions) *cobra.Command {
	o := &backupListOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the backups in a store, oldest first",
		Example: `  kubectl ck8sargo backup list
  kubectl ck8sargo backup list --from 's3://backups?endpoint=https://s3.example.com&use_path_style=true' -o json`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	o.output = addOutput(cmd, "output format: text, json or yaml", "text", "json", "yaml")
	return cmd
}

// Complete loads the profile, which may name the store.
func (o *backupListOptions) Complete(_ *cobra.Command, _ []string) (err error) {
	o.backupSession, err = completeBackupSession(o.root, backupNeeds{store: &o.from})
	return err
}

// Validate has nothing to check: -o is checked when it is parsed.
func (o *backupListOptions) Validate() error {
	return nil
}

// Run lists the store's backups with their manifests' summaries.
func (o *backupListOptions) Run(ctx context.Context) error {
	st, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	list, err := st.List(ctx)
	if err != nil {
		return err
	}
	out := []backupSummary{}
	for _, b := range list {
		s, err := summarize(ctx, st, b.Name)
		if err != nil {
			return err
		}
		out = append(out, s)
	}
	if o.output.format != "text" {
		return printStructured(o.Out, o.output.format, out)
	}
	if len(out) == 0 {
		fmt.Fprintf(o.ErrOut, "no backups in %s\n", st.URL())
		return nil
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAGE\tOBJECTS\tSIZE\tSECRETS")
	for _, s := range out {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Name, s.Age, s.Objects, bytesize.Format(s.Size, "B"), s.Encryption)
	}
	return tw.Flush()
}

// summarize reads the manifest of backup name in st into its summary, for list and show.
func summarize(ctx context.Context, st *store.Store, name string) (backupSummary, error) {
	info, err := st.Stat(ctx, name)
	if err != nil {
		return backupSummary{}, backupError(err)
	}
	m := info.Manifest
	enc := "age"
	if !m.Encrypted() {
		enc = "plaintext"
	}
	return backupSummary{
		Name: info.Name, Created: m.Created, Age: humanAge(time.Since(m.Created)), Size: info.Size,
		Objects: m.Total(), Counts: m.Counts, Encryption: enc, Recipients: m.Encryption.Recipients,
		Server: m.Server, Namespace: m.Namespace, Format: m.FormatVersion, Warnings: m.Warnings,
		SignedBy: signedBy(m),
	}, nil
}

func signedBy(m *archive.Manifest) string {
	if m.Signature == nil {
		return ""
	}
	return m.Signature.Key
}
