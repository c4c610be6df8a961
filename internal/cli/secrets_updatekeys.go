package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

type secretsUpdateKeysOptions struct {
	root   *RootOptions
	keys   sopsKeyFlags
	output string
}

type updateKeysResult struct {
	File    string   `json:"file"`
	Changed bool     `json:"changed"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Error   string   `json:"error,omitempty"`
}

// NewCmdSecretsUpdateKeys re-wraps data keys for the recipients .sops.yaml names now.
func NewCmdSecretsUpdateKeys(root *RootOptions) *cobra.Command {
	o := &secretsUpdateKeysOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validateOutput(o.output, "text", "json"); err != nil {
				return err
			}
			return o.Run(cmd.Context(), args)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	o.keys.addFlags(cmd.Flags(), true)
	return cmd
}

func (o *secretsUpdateKeysOptions) Run(ctx context.Context, files []string) error {
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
				return err
			}
			r.Added, r.Removed = append(r.Added, ch.Added...), append(r.Removed, ch.Removed...)
			if string(out) == string(data) {
				return nil
			}
			r.Changed = true
			return replaceFile(name, out, mode)
		}()
		if err != nil {
			r.Error = oneLine(err.Error())
			errs = append(errs, err)
		}
		results = append(results, r)
	}
	if o.output == "json" {
		if err := printStructured(o.root.Out, "json", results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			switch {
			case r.Error != "":
				fmt.Fprintf(o.root.Out, "%s: failed\n", r.File)
			case !r.Changed:
				fmt.Fprintf(o.root.Out, "%s: recipients already match\n", r.File)
			default:
				fmt.Fprintf(o.root.Out, "%s: added %s; removed %s\n", r.File, listOrNone(r.Added), listOrNone(r.Removed))
			}
		}
	}
	return joinFileErrors(errs)
}

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

type secretsRotateOptions struct {
	root *RootOptions
	keys sopsKeyFlags
}

// NewCmdSecretsRotate re-encrypts files with a new data key.
func NewCmdSecretsRotate(root *RootOptions) *cobra.Command {
	o := &secretsRotateOptions{root: root}
	cmd := &cobra.Command{
		Use:   "rotate FILE...",
		Short: "Re-encrypt files with a new data key",
		Long: `rotate does what 'sops rotate --in-place' does: each file is decrypted (its MAC checked),
and encrypted again with a fresh data key for the same recipients. Do it after removing a
recipient that may have kept a copy of the old data key. Every file is tried; the exit code
is 2 when any failed.`,
		Example: `  kubectl ck8sargo secrets updatekeys --identity keys/private.asc secrets.yaml
  kubectl ck8sargo secrets rotate --identity keys/private.asc secrets.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.Run(cmd.Context(), args)
		},
	}
	o.keys.addFlags(cmd.Flags(), true)
	return cmd
}

func (o *secretsRotateOptions) Run(ctx context.Context, files []string) error {
	c, err := o.keys.client()
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range files {
		if err := rotateOne(ctx, c, &o.keys, name); err != nil {
			fmt.Fprintf(o.root.Out, "%s: failed\n", name)
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(o.root.Out, "%s: new data key\n", name)
	}
	return joinFileErrors(errs)
}

func rotateOne(ctx context.Context, c *sops.Client, k *sopsKeyFlags, name string) error {
	data, mode, err := k.read(name)
	if err != nil {
		return err
	}
	out, err := c.Rotate(ctx, name, data)
	if err != nil {
		return err
	}
	if len(out) == 0 {
		return errors.New("empty result")
	}
	return replaceFile(name, out, mode)
}
