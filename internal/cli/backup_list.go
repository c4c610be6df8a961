package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/backup/archive"
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
	root   *RootOptions
	from   string
	output string
}

// NewCmdBackupList lists the complete backups of a store.
func NewCmdBackupList(root *RootOptions) *cobra.Command {
	o := &backupListOptions{root: root}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the backups in a store, oldest first",
		Example: `  kubectl ck8sargo backup list
  kubectl ck8sargo backup list --from 's3://backups?endpoint=https://s3.example.com&use_path_style=true' -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validateOutput(o.output, "text", "json", "yaml"); err != nil {
				return err
			}
			return o.Run(cmd)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	return cmd
}

func (o *backupListOptions) Run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.from, p)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.List(ctx)
	if err != nil {
		return err
	}
	out := []backupSummary{}
	for _, b := range list {
		info, err := st.Stat(ctx, b.Name)
		if err != nil {
			return inputError(err)
		}
		out = append(out, summarize(info.Name, info.Size, info.Manifest))
	}
	if o.output != "text" {
		return printStructured(o.root.Out, o.output, out)
	}
	if len(out) == 0 {
		fmt.Fprintf(o.root.ErrOut, "no backups in %s\n", st.URL())
		return nil
	}
	tw := tabwriter.NewWriter(o.root.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAGE\tOBJECTS\tSIZE\tSECRETS")
	for _, s := range out {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Name, s.Age, s.Objects, humanSize(s.Size), s.Encryption)
	}
	return tw.Flush()
}

func summarize(name string, size int64, m *archive.Manifest) backupSummary {
	enc := "age"
	if !m.Encrypted() {
		enc = "plaintext"
	}
	return backupSummary{
		Name: name, Created: m.Created, Age: humanAge(time.Since(m.Created)), Size: size,
		Objects: m.Total(), Counts: m.Counts, Encryption: enc, Recipients: m.Encryption.Recipients,
		Server: m.Server, Namespace: m.Namespace, Format: m.FormatVersion, Warnings: m.Warnings,
		SignedBy: signedBy(m),
	}
}

func signedBy(m *archive.Manifest) string {
	if m.Signature == nil {
		return ""
	}
	return m.Signature.Key
}

type backupShowOptions struct {
	root   *RootOptions
	from   string
	output string
}

// NewCmdBackupShow prints one backup's manifest summary.
func NewCmdBackupShow(root *RootOptions) *cobra.Command {
	o := &backupShowOptions{root: root}
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a backup: counts per kind, size, age and encryption",
		Example: `  kubectl ck8sargo backup show argocd-backup-20260101T020304Z
  kubectl ck8sargo backup show argocd-backup-20260101T020304Z -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := backupName(args)
			if err != nil {
				return err
			}
			if err := validateOutput(o.output, "text", "json", "yaml"); err != nil {
				return err
			}
			return o.Run(cmd, name)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", storeFlagHelp)
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	return cmd
}

func (o *backupShowOptions) Run(cmd *cobra.Command, name string) error {
	ctx := cmd.Context()
	p, err := o.root.Profile()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.from, p)
	if err != nil {
		return err
	}
	defer st.Close()
	info, err := st.Stat(ctx, name)
	if err != nil {
		return inputError(err)
	}
	s := summarize(info.Name, info.Size, info.Manifest)
	if o.output != "text" {
		return printStructured(o.root.Out, o.output, s)
	}
	tw := tabwriter.NewWriter(o.root.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", s.Name)
	fmt.Fprintf(tw, "Created:\t%s (%s ago)\n", s.Created.Format(time.RFC3339), s.Age)
	fmt.Fprintf(tw, "Size:\t%s\n", humanSize(s.Size))
	fmt.Fprintf(tw, "Server:\t%s\n", s.Server)
	fmt.Fprintf(tw, "Namespace:\t%s\n", s.Namespace)
	fmt.Fprintf(tw, "Format:\t%d\n", s.Format)
	if s.Encryption == "age" {
		fmt.Fprintf(tw, "Secrets:\tencrypted with age to %s\n", strings.Join(s.Recipients, ", "))
	} else {
		fmt.Fprintf(tw, "Secrets:\tPLAINTEXT\n")
	}
	if s.SignedBy != "" {
		fmt.Fprintf(tw, "Signed:\twith the key of %s (not checked; backup verify --identity checks it)\n", s.SignedBy)
	} else {
		fmt.Fprintf(tw, "Signed:\tno\n")
	}
	fmt.Fprintf(tw, "Objects:\t%d\n", s.Objects)
	for _, k := range backupKinds() {
		fmt.Fprintf(tw, "  %s:\t%d\n", k, s.Counts[k])
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(tw, "Warning:\t%s\n", w)
	}
	return tw.Flush()
}
