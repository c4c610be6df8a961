package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/secrets"
)

// secretDelivery is -o, --apply and --dry-run of the commands that build one Secret
// (key-secret, vals-secret), with kubectl's meanings: --dry-run=client sends nothing (with
// -o it prints the Secret, as `kubectl create secret ... --dry-run=client -o yaml` does),
// --dry-run=server has the API server check the apply without storing it (with -o, the
// Secret it answered is printed), and without --dry-run the command needs --apply or -o.
type secretDelivery struct {
	output *outputFlag
	apply  bool
	dryRun *dryRunFlag

	// profile names the Secret; clients send it (nil when nothing is sent).
	profile argocdmanaged.Profile
	clients *argocdmanaged.Clients
}

func (d *secretDelivery) addFlags(cmd *cobra.Command, formats string) {
	// No default format: without -o the Secret is applied, and -o "" says so again.
	d.output = addOutput(cmd, "print the Secret instead of applying it: "+formats, "", "yaml", "json")
	cmd.Flags().BoolVar(&d.apply, "apply", false, "create or update the Secret with server-side apply")
	d.dryRun = addSecretsDryRun(cmd, `"client": send nothing (with -o, print the Secret); "server": the API server checks the apply without storing it`, "", dryRunClient, dryRunServer)
}

// validate checks the combination.
func (d *secretDelivery) validate() error {
	if !d.dryRun.enabled() && d.apply == d.printed() {
		return UsageErrorf("say what to do with the Secret: --apply to create it in the cluster, or -o yaml to print it (--dry-run=client -o yaml also prints it)")
	}
	return nil
}

// printed says whether -o was given.
func (d *secretDelivery) printed() bool { return d.output.format != "" }

// local says whether nothing is sent to the cluster.
func (d *secretDelivery) local() bool {
	return d.dryRun.mode == dryRunClient || !d.dryRun.enabled() && !d.apply
}

// complete loads the profile the Secret is named by, and the clients deliver needs: none
// when nothing is sent, so that a client dry run works without a cluster.
func (d *secretDelivery) complete(root *RootOptions) (err error) {
	if d.profile, err = root.Profile(); err != nil || d.local() {
		return err
	}
	d.clients, err = root.Clients()
	return err
}

// deliver prints s to out, or applies it (dry run on the server with --dry-run=server). It
// returns applied: whether s was stored, so that the caller says what comes next.
func (d *secretDelivery) deliver(ctx context.Context, out io.Writer, s *corev1.Secret, summary string) (applied bool, err error) {
	if d.local() {
		if d.printed() {
			return false, printStructured(out, d.output.format, s)
		}
		fmt.Fprintf(out, "Secret %s/%s %s: not sent (dry run)\n", s.Namespace, s.Name, summary)
		return false, nil
	}
	dry := d.dryRun.mode == dryRunServer
	stored, err := secrets.ApplySecret(ctx, d.clients, s, secrets.ApplyOptions{DryRun: d.dryRun.value()})
	if err != nil {
		return false, err
	}
	if d.printed() {
		stored.TypeMeta = s.TypeMeta
		stored.ManagedFields = nil
		return !dry, printStructured(out, d.output.format, stored)
	}
	if dry {
		fmt.Fprintf(out, "Secret %s/%s %s: checked by the API server (dry run, not stored)\n", s.Namespace, s.Name, summary)
		return false, nil
	}
	return true, nil
}

// secretsDryRunFlag is the dryRunFlag of a secrets command, refusing a mode with the words
// these commands have always used: "--dry-run must be none, client or server", and for a
// mode the command cannot honour (refused), why and what to use instead.
type secretsDryRunFlag struct {
	*dryRunFlag
	refused string
}

// addSecretsDryRun is addDryRun with the secrets commands' refusals; refused explains why
// --dry-run=server is not a mode of this command ("" when it is).
func addSecretsDryRun(cmd *cobra.Command, help, refused string, modes ...string) *dryRunFlag {
	d := addDryRun(cmd, help, modes...)
	cmd.Flags().Lookup("dry-run").Value = secretsDryRunFlag{dryRunFlag: d, refused: refused}
	return d
}

// Set takes a mode of the command, else says which ones it has.
func (f secretsDryRunFlag) Set(v string) error {
	if err := f.dryRunFlag.Set(v); err == nil {
		return nil
	}
	if v == dryRunServer && f.refused != "" {
		return errors.New(f.refused)
	}
	return fmt.Errorf("--dry-run must be %s, not %q", orList(f.modes), v)
}
