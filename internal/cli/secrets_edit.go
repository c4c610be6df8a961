package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/editspace"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
)

type secretsEditOptions struct {
	genericiooptions.IOStreams
	keys sopsKeyFlags
	file string
	// editor is the command line of the editor: $SOPS_EDITOR, $EDITOR, else vi.
	editor string
}

// NewCmdSecretsEdit opens a sops file's plaintext in $EDITOR and re-encrypts it.
func NewCmdSecretsEdit(root *RootOptions) *cobra.Command {
	o := &secretsEditOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "edit FILE",
		Short: "Edit a sops file's plaintext in $EDITOR, then re-encrypt it",
		Long: `edit decrypts FILE into a 0600 temporary file in a private temporary directory, opens it in
$SOPS_EDITOR or $EDITOR (vi when neither is set) and, when the editor exits successfully,
encrypts the result with the same data key and recipients and replaces FILE atomically.
Nothing is written when the text is unchanged or when the editor fails; the temporary
plaintext is removed on every exit path, interrupts included.

The directory is on memory-backed storage where the system has it (/dev/shm on Linux),
else in $TMPDIR, and is named ck8sargo-edit-PID-*. A run that was killed (SIGKILL, a
closed terminal) cannot remove it: the next edit removes such directories whose process
is gone, with a warning.`,
		Example: `  kubectl ck8sargo secrets edit secrets.yaml --identity keys/key.txt
  EDITOR="code --wait" kubectl ck8sargo secrets edit charts/shop/secrets.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: runCommand(o),
	}
	o.keys.addFlags(cmd.Flags(), false)
	return cmd
}

// editorCommand is the editor to run: $SOPS_EDITOR, else $EDITOR, else vi.
func editorCommand(getenv func(string) string) string {
	for _, v := range []string{"SOPS_EDITOR", "EDITOR"} {
		if e := strings.TrimSpace(getenv(v)); e != "" {
			return e
		}
	}
	return "vi"
}

// Complete takes the file and the editor from the environment.
func (o *secretsEditOptions) Complete(_ *cobra.Command, args []string) error {
	o.file = args[0]
	o.editor = editorCommand(os.Getenv)
	return nil
}

// Validate has nothing to check: the key flags are checked when the keys are loaded.
func (o *secretsEditOptions) Validate() error { return nil }

// Run removes plaintext that killed runs left, decrypts the file, runs the editor on it and
// re-encrypts what changed.
func (o *secretsEditOptions) Run(ctx context.Context) error {
	name := o.file
	// A run killed while the editor was open (SIGKILL, a closed terminal) could not remove
	// its plaintext: remove what such runs left, and say so.
	stale, err := editspace.CleanStale(editspace.DefaultDirs())
	for _, s := range stale {
		fmt.Fprintf(o.ErrOut, "warning: removed plaintext left by an interrupted `secrets edit` (process %d is gone): %s\n", s.PID, s.Dir)
	}
	if err != nil {
		fmt.Fprintf(o.ErrOut, "warning: %s\n", oneline.Lines(err.Error()))
	}
	c, err := o.keys.client()
	if err != nil {
		return err
	}
	data, mode, err := o.keys.read(name)
	if err != nil {
		return err
	}
	out, changed, err := c.Edit(ctx, name, data, func(plain []byte) ([]byte, error) {
		return o.runEditor(ctx, name, plain)
	})
	if err != nil {
		return sopsError(err)
	}
	if !changed {
		fmt.Fprintf(o.Out, "%s: no change\n", name)
		return nil
	}
	if err := replaceFile(name, out, mode); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "%s: re-encrypted\n", name)
	return nil
}

// runEditor writes plain to a 0600 file in a 0700 directory of its own (memory-backed where
// the system has it, named for this process so that a later run can clean up after a kill),
// runs the editor on it and returns what it holds afterwards. The directory goes on every
// return.
func (o *secretsEditOptions) runEditor(ctx context.Context, name string, plain []byte) (edited []byte, err error) {
	space, err := editspace.New(editspace.DefaultDirs())
	if err != nil {
		return nil, err
	}
	defer space.Remove()
	tmp := filepath.Join(space.Dir, filepath.Base(name)) // the extension lets the editor highlight
	if err := os.WriteFile(tmp, plain, 0o600); err != nil {
		return nil, err
	}
	args := strings.Fields(o.editor)
	cmd := exec.CommandContext(ctx, args[0], append(args[1:], tmp)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.In, o.ErrOut, o.ErrOut
	if f, ok := o.Out.(*os.File); ok {
		cmd.Stdout = f // a terminal editor draws on the terminal
	}
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("interrupted; %s was left as it was", name)
		}
		return nil, fmt.Errorf("the editor %q failed (%w); %s was left as it was", args[0], err, name)
	}
	return os.ReadFile(tmp)
}
