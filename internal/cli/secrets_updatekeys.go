package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type secretsUpdateKeysOptions struct {
	genericiooptions.IOStreams
	keys sopsKeyFlags
	fileArgs
	output *outputFlag
}

// updateKeysResult is the outcome of updatekeys for one file.
type updateKeysResult struct {
	File    string   `json:"file"`
	Changed bool     `json:"changed"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Error   string   `json:"error,omitempty"`
}

// NewCmdSecretsUpdateKeys re-wraps data keys for the recipients .sops.yaml names now.
func NewCmdSecretsUpdateKeys(root *RootOptions) *cobra.Command {
	o := &secretsUpdateKeysOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "updatekeys FILE...",
		Short: "Re-wrap files' data keys for the recipients .sops.yaml names now",
		Long: `updatekeys does what 'sops updatekeys' does, for many files at once and without asking:
after a key was added to or removed from .sops.yaml, each file's data key is wrapped for
exactly the recipients of its creation rule. Values and MAC stay as they are. A summary
line per file says which recipients were added and removed. A key that can decrypt each
file is needed (--identity, or what sops reads). Every file is tried; the exit code is 2
when any failed.`,
		Example: `  kubectl ck8sargo secrets init --key keys/colleague.asc
  kubectl ck8sargo secrets updatekeys --identity keys/private.asc --public-key keys/colleague.asc charts/*/secrets*.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, "output format: text or json", "text", "json")
	o.keys.addFlags(cmd.Flags(), true)
	return cmd
}

// Run re-wraps each file's data key, trying every file, and prints a line per file.
func (o *secretsUpdateKeysOptions) Run(ctx context.Context) error {
	files := o.files
	c, err := o.keys.client()
	if err != nil {
		return err
	}
	var results []updateKeysResult
	var errs []error
	for _, name := range files {
		r := updateKeysResult{File: name, Added: []string{}, Removed: []string{}}
		err := func() error {
			data, mode, err := o.keys.read(name)
			if err != nil {
				return err
			}
			out, ch, err := c.UpdateKeys(ctx, name, data)
			if err != nil {
				return sopsError(err)
			}
			r.Added, r.Removed = append(r.Added, ch.Added...), append(r.Removed, ch.Removed...)
			if string(out) == string(data) {
				return nil
			}
			r.Changed = true
			return replaceFile(name, out, mode)
		}()
		if err != nil {
			r.Error = oneline.Lines(err.Error())
			errs = append(errs, err)
		}
		results = append(results, r)
	}
	if o.output.is("json") {
		if err := printStructured(o.Out, "json", results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			switch {
			case r.Error != "":
				fmt.Fprintf(o.Out, "%s: failed\n", r.File)
			case !r.Changed:
				fmt.Fprintf(o.Out, "%s: recipients already match\n", r.File)
			default:
				fmt.Fprintf(o.Out, "%s: added %s; removed %s\n", r.File, listOrNone(r.Added), listOrNone(r.Removed))
			}
		}
	}
	return joinFileErrors(errs)
}

// listOrNone is the list, or "none".
func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// joinFileErrors folds the errors of a bulk command into one line.
func joinFileErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%d files failed: %s", len(errs), strings.Join(msgs, "; "))
}
