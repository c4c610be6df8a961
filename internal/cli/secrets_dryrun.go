package cli

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"

	"github.com/ck8sargo/ck8sargo/secrets"
)

// secretDelivery is -o, --apply and --dry-run of the commands that build one Secret
// (key-secret, vals-secret), with kubectl's meanings: --dry-run=client sends nothing (with
// -o it prints the Secret, as `kubectl create secret ... --dry-run=client -o yaml` does),
// --dry-run=server has the API server check the apply without storing it (with -o, the
// Secret it answered is printed), and without --dry-run the command needs --apply or -o.
type secretDelivery struct {
	output string
	apply  bool
	dryRun string
}

func (d *secretDelivery) addFlags(f *pflag.FlagSet, formats string) {
	f.StringVarP(&d.output, "output", "o", "", "print the Secret instead of applying it: "+formats)
	f.BoolVar(&d.apply, "apply", false, "create or update the Secret with server-side apply")
	f.StringVar(&d.dryRun, "dry-run", "none", `"client": send nothing (with -o, print the Secret); "server": the API server checks the apply without storing it`)
	f.Lookup("dry-run").NoOptDefVal = "client"
}

// validate checks the combination; formats are the -o values allowed.
func (d *secretDelivery) validate(formats ...string) error {
	switch d.dryRun {
	case "none":
		if d.apply == (d.output != "") {
			return UsageErrorf("say what to do with the Secret: --apply to create it in the cluster, or -o yaml to print it (--dry-run=client -o yaml also prints it)")
		}
	case "client", "server":
	default:
		return UsageErrorf("--dry-run must be none, client or server, not %q", d.dryRun)
	}
	if d.output != "" {
		return validateOutput(d.output, formats...)
	}
	return nil
}

// local says whether nothing is sent to the cluster.
func (d *secretDelivery) local() bool {
	return d.dryRun == "client" || d.dryRun == "none" && !d.apply
}

// deliver prints s, or applies it (dry run on the server with --dry-run=server). It
// returns applied: whether s was stored, so that the caller says what comes next.
func (d *secretDelivery) deliver(ctx context.Context, root *RootOptions, s *corev1.Secret, summary string) (applied bool, err error) {
	if d.local() {
		if d.output != "" {
			return false, printStructured(root.Out, d.output, s)
		}
		fmt.Fprintf(root.Out, "Secret %s/%s %s: not sent (dry run)\n", s.Namespace, s.Name, summary)
		return false, nil
	}
	c, err := root.Clients()
	if err != nil {
		return false, err
	}
	dry := d.dryRun == "server"
	out, err := secrets.ApplySecret(ctx, c, s, secrets.ApplyOptions{DryRun: dry})
	if err != nil {
		return false, err
	}
	if d.output != "" {
		out.TypeMeta = s.TypeMeta
		out.ManagedFields = nil
		return !dry, printStructured(root.Out, d.output, out)
	}
	if dry {
		fmt.Fprintf(root.Out, "Secret %s/%s %s: checked by the API server (dry run, not stored)\n", s.Namespace, s.Name, summary)
		return false, nil
	}
	return true, nil
}
