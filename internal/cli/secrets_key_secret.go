package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/secrets"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

type secretsKeySecretOptions struct {
	genericiooptions.IOStreams
	root       *RootOptions
	privateKey string
	delivery   secretDelivery
	wait       time.Duration
}

// NewCmdSecretsKeySecret creates the helm-secrets-private-keys Secret.
func NewCmdSecretsKeySecret(root *RootOptions) *cobra.Command {
	o := &secretsKeySecretOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "key-secret --private-key FILE [-o yaml|--apply]",
		Short: "Create the Secret the repo server reads the helm-secrets private key from",
		Long: `key-secret builds the Secret that Argo CD's repo server decrypts helm-secrets values files
with: name, namespace, data key and label from the profile (by default
helm-secrets-private-keys in argocd-system, data key key.asc, label
argocd.argoproj.io/secret-type=helm-secrets). The private key file (private.asc or key.txt
from 'secrets keygen', or 'gpg --armor --export-secret-keys') is taken byte for byte; a
public key or a key with a passphrase is refused, as the repo server could not use it.

--apply creates or updates the Secret with server-side apply as you (field manager
kubectl-ck8sargo); your Platform Administrator must have granted you that Secret. Then the
repo server pods (label app.kubernetes.io/component=repo-server) are checked: the repo
server does not start while the Secret is missing and reads it when it (re)starts; if it is
not ready, you are told what to do. --wait waits that long for it (exit code 1 if it is
still not ready).

-o yaml prints the Secret instead, for review or for 'kubectl apply -f -': it holds the
private key, base64-encoded, so never commit it. --dry-run=client sends nothing (with -o
yaml it prints the Secret, as 'kubectl create secret --dry-run=client -o yaml' does);
--dry-run=server has the API server check the apply without storing it.`,
		Example: `  kubectl ck8sargo secrets key-secret --private-key keys/private.asc --apply
  kubectl ck8sargo secrets key-secret --private-key keys/key.txt --apply --wait 2m
  kubectl ck8sargo secrets key-secret --private-key keys/private.asc --apply --dry-run=server
  kubectl ck8sargo secrets key-secret --private-key keys/private.asc -o yaml | kubectl apply -f -
  kubectl ck8sargo secrets key-secret --private-key keys/key.txt --dry-run=client -o yaml`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.privateKey, "private-key", "", "private key file: armored OpenPGP without passphrase, or age identity file (required)")
	o.delivery.addFlags(cmd, "yaml or json")
	f.DurationVar(&o.wait, "wait", 0, "with --apply: how long to wait for the repo server to be ready")
	return cmd
}

// Complete loads the profile, and the clients unless nothing is sent.
func (o *secretsKeySecretOptions) Complete(_ *cobra.Command, _ []string) error {
	return o.delivery.complete(o.root)
}

// Validate checks that there is a key and something to do with the Secret.
func (o *secretsKeySecretOptions) Validate() error {
	if o.privateKey == "" {
		return UsageErrorf("--private-key is required")
	}
	return o.delivery.validate()
}

// Run builds the Secret, delivers it and, once applied, checks the repo server.
func (o *secretsKeySecretOptions) Run(ctx context.Context) error {
	key, _, err := readInput(o.privateKey, keyFileLimit)
	if err != nil {
		return err
	}
	p := o.delivery.profile
	s, err := sops.KeySecret(p, key)
	if err != nil {
		return UsageErrorf("--private-key %s: %w", o.privateKey, trimPrefix(sopsError(err), "the private key"))
	}
	summary := fmt.Sprintf("(data key %s, label %s=%s)", p.Features.HelmSecrets.KeySecretDataKey, argocdmanaged.SecretTypeLabel, s.Labels[argocdmanaged.SecretTypeLabel])
	applied, err := o.delivery.deliver(ctx, o.Out, s, summary)
	if err != nil || !applied {
		return err
	}
	ref := sops.KeySecretRef(p)
	fmt.Fprintf(o.Out, "applied Secret %s %s\n", ref, summary)
	st, err := secrets.CheckRepoServer(ctx, o.delivery.clients, p, secrets.CheckRepoServerOptions{Wait: o.wait, Secret: ref})
	if err != nil {
		var fe *argocdmanaged.ForbiddenError
		if errors.As(err, &fe) {
			fmt.Fprintf(o.ErrOut, "warning: cannot check the repo server: %s\n", oneline.Lines(err.Error()))
			return nil
		}
		return err
	}
	if st.Ready {
		fmt.Fprintf(o.Out, "repo server: %d pod(s) ready\n", len(st.Pods))
		return nil
	}
	for _, ps := range st.Pods {
		reason := ps.Reason
		if reason == "" {
			reason = "not ready"
		}
		fmt.Fprintf(o.Out, "repo server pod %s: %s (%s)\n", ps.Name, ps.Phase, reason)
	}
	fmt.Fprintf(o.ErrOut, "warning: %s\n", st.Advice)
	if o.wait > 0 {
		return &exitError{Code: ExitFindings, Err: fmt.Errorf("the repo server was not ready after %s", o.wait)}
	}
	return nil
}
