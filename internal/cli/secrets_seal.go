package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

type sealOptions struct {
	genericiooptions.IOStreams
	root          *RootOptions
	filename      string
	scope         string
	cert          string
	controllerURL string
	raw           bool
	name          string
	fromFile      []string
	fromLiteral   []string
	output        *outputFlag
	maxFileSize   string
	maxBytes      int64
	scopeValue    sealed.Scope
	namespace     string
}

// NewCmdSecretsSeal seals a Secret manifest, files or one raw value for the cluster's
// sealed-secrets controller.
func NewCmdSecretsSeal(root *RootOptions) *cobra.Command {
	o := &sealOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "seal [-f SECRET.yaml|-] [--scope strict|namespace-wide|cluster-wide] [--cert FILE|URL]",
		Short: "Seal a Secret into a SealedSecret that only the cluster's controller can unseal",
		Long: `Seal encrypts every value of a Secret for the cluster's sealed-secrets controller and prints
the SealedSecret, safe to commit. It does what kubectl create secret | kubeseal does, in one
step and without either tool.

The Secret comes from -f FILE (or - for standard input, the default), or is built from
--from-file [KEY=]FILE and --from-literal KEY=VALUE with --name and -n. Values read from files
keep their exact bytes: no newline is added or removed.

The certificate is fetched from the controller that the profile names
(features.sealedSecrets, default sealed-secrets/sealed-secrets-controller) through the API
server's service proxy, and cached per cluster for a day; or read from --cert FILE|URL. An
expired certificate is refused.

Scopes: strict (the default) binds the values to the Secret's namespace and name,
namespace-wide to its namespace, cluster-wide to nothing. Strict and namespace-wide need a
namespace: metadata.namespace in the manifest, or -n.

--raw seals one value (from --from-file FILE or standard input) for the Secret named by
--name and -n, and prints only the encrypted value, for spec.encryptedData.`,
		Example: `  # The seed's flow in one step:
  kubectl ck8sargo secrets seal --name mysecret -n shop --from-file foo=./secret.txt > mysealedsecret.yaml
  # Seal a Secret manifest, namespace-wide, with a certificate file
  kubectl ck8sargo secrets seal -f secret.yaml --scope namespace-wide --cert sealed-secrets.pem
  # One value for spec.encryptedData of an existing SealedSecret
  printf '%s' "$VALUE" | kubectl ck8sargo secrets seal --raw --name mysecret -n shop`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVarP(&o.filename, "filename", "f", "", "Secret manifest to seal (YAML or JSON, several documents allowed); - for standard input")
	f.StringVar(&o.scope, "scope", "", "strict, namespace-wide or cluster-wide (default: the Secret's scope annotations, else strict)")
	f.StringVar(&o.cert, "cert", "", "certificate file or http(s) URL instead of asking the controller")
	f.StringVar(&o.controllerURL, "controller-url", "", "reach the controller directly at this URL (e.g. through kubectl port-forward) instead of the service proxy")
	f.BoolVar(&o.raw, "raw", false, "seal one value and print only its encrypted form")
	f.StringVar(&o.name, "name", "", "name of the Secret (with --from-file/--from-literal or --raw)")
	f.StringArrayVar(&o.fromFile, "from-file", nil, "[KEY=]FILE: a value read byte for byte from FILE (key: the file name); with --raw: the FILE of the value")
	f.StringArrayVar(&o.fromLiteral, "from-literal", nil, "KEY=VALUE: a value from the command line (it stays in your shell history; prefer --from-file)")
	o.output = addOutput(cmd, "output format: yaml or json", "yaml", "json")
	f.StringVar(&o.maxFileSize, "max-file-size", defaultSecretsMaxFileSize, "largest input read (file or standard input); a larger one is refused")
	return cmd
}

// Complete takes -n as given on the command line and the size limit.
func (o *sealOptions) Complete(_ *cobra.Command, _ []string) (err error) {
	o.namespace = explicitNamespace(o.root)
	o.maxBytes, err = parseMaxFileSize(o.maxFileSize)
	return err
}

// Validate checks the scope and that the flags say one way to give the Secret.
func (o *sealOptions) Validate() (err error) {
	if o.scopeValue, err = sealed.ParseScope(o.scope); err != nil {
		return UsageErrorf("%w", err)
	}
	building := len(o.fromFile) > 0 || len(o.fromLiteral) > 0
	switch {
	case o.raw && (o.filename != "" || len(o.fromLiteral) > 0 || len(o.fromFile) > 1):
		return UsageErrorf("--raw seals one value: give it with --from-file FILE or on standard input, not with -f or --from-literal")
	case o.raw && o.name == "" && o.scope != string(sealed.ScopeCluster) && o.scope != string(sealed.ScopeNamespace):
		return UsageErrorf("--raw needs --name and -n of the Secret the value is for (strict scope binds it to both)")
	case !o.raw && building && o.filename != "":
		return UsageErrorf("-f and --from-file/--from-literal cannot be combined: seal a manifest, or build the Secret from values")
	case !o.raw && building && o.name == "":
		return UsageErrorf("--from-file/--from-literal need --name for the Secret")
	case !o.raw && !building && o.name != "":
		return UsageErrorf("--name goes with --from-file/--from-literal or --raw; a manifest names its Secret itself")
	}
	return nil
}

func (o *sealOptions) certificate(ctx context.Context) (*sealed.Certificate, error) {
	if o.cert != "" {
		return sealed.ReadCertificateFrom(ctx, o.cert, time.Now())
	}
	ctrl, key, err := sealedController(o.root, o.controllerURL)
	if err != nil {
		return nil, err
	}
	return (&sealed.CertCache{}).Certificate(ctx, key, ctrl)
}

// secretFromValues builds the Secret of --from-file and --from-literal, like kubectl create
// secret generic, with every file's bytes as they are.
func (o *sealOptions) secretFromValues() (*corev1.Secret, error) {
	s := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: o.name, Namespace: o.namespace},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{},
	}
	add := func(key string, value []byte) error {
		if _, dup := s.Data[key]; dup {
			return UsageErrorf("key %q is given twice", key)
		}
		s.Data[key] = value
		return nil
	}
	for _, spec := range o.fromFile {
		key, path, ok := strings.Cut(spec, "=")
		if !ok {
			key, path = filepath.Base(spec), spec
		}
		data, err := inputfile.Read(path, o.maxBytes)
		if err != nil {
			return nil, UsageErrorf("--from-file: %w", secretsInputError(err))
		}
		if err := add(key, data); err != nil {
			return nil, err
		}
	}
	for _, spec := range o.fromLiteral {
		key, value, ok := strings.Cut(spec, "=")
		if !ok || key == "" {
			return nil, UsageErrorf("--from-literal wants KEY=VALUE")
		}
		if err := add(key, []byte(value)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (o *sealOptions) readInput(name string) ([]byte, error) {
	var data []byte
	var err error
	if name == "" || name == "-" {
		data, err = inputfile.ReadAll("standard input", o.In, o.maxBytes)
	} else {
		data, err = inputfile.Read(name, o.maxBytes)
	}
	if err != nil {
		return nil, secretsInputError(err)
	}
	return data, nil
}

// Run reads the Secret, gets the certificate and prints what it sealed.
func (o *sealOptions) Run(ctx context.Context) error {
	scope := o.scopeValue
	var secrets []*corev1.Secret
	var rawValue []byte
	var err error
	// Read the input first: a bad manifest is reported without a trip to the cluster.
	switch {
	case o.raw:
		src := ""
		if len(o.fromFile) == 1 {
			src = o.fromFile[0]
		}
		if rawValue, err = o.readInput(src); err != nil {
			return err
		}
	case len(o.fromFile) > 0 || len(o.fromLiteral) > 0:
		s, err := o.secretFromValues()
		if err != nil {
			return err
		}
		secrets = []*corev1.Secret{s}
	default:
		data, err := o.readInput(o.filename)
		if err != nil {
			return err
		}
		if secrets, err = sealed.DecodeSecrets(data); err != nil {
			return UsageErrorf("%s: %w", displayName(o.filename), err)
		}
	}
	cert, err := o.certificate(ctx)
	if err != nil {
		return sealedError(err)
	}
	if o.raw {
		out, err := sealed.SealRaw(rawValue, o.namespace, o.name, scope, cert)
		if err != nil {
			return UsageErrorf("%w", sealedError(err))
		}
		_, err = fmt.Fprintln(o.Out, out)
		return err
	}
	list := make([]*ssv1alpha1.SealedSecret, 0, len(secrets))
	for _, s := range secrets {
		ss, err := sealed.Seal(s, cert, sealed.SealOptions{Scope: scope, Namespace: o.namespace})
		if err != nil {
			return UsageErrorf("%w", sealedError(err))
		}
		list = append(list, ss)
	}
	out, err := sealed.EncodeSealedSecrets(list, o.output.format)
	if err != nil {
		return err
	}
	_, err = o.Out.Write(out)
	return err
}
