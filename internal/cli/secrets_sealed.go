package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

// newSealedValsCommands are the SealedSecrets and vals commands of the secrets group.
func newSealedValsCommands(root *RootOptions) []*cobra.Command {
	return []*cobra.Command{
		NewCmdSecretsSeal(root), NewCmdSecretsVerifySealed(root), NewCmdSecretsReseal(root),
		NewCmdSecretsValsSecret(root), NewCmdSecretsValsRef(root), NewCmdSecretsValsCheck(root),
	}
}

// explicitNamespace is -n/--namespace when given on the command line; the kubeconfig
// context's namespace is not used, so that a value is never sealed for a namespace the user
// did not name.
func explicitNamespace(root *RootOptions) string {
	if root.ConfigFlags.Namespace == nil {
		return ""
	}
	return *root.ConfigFlags.Namespace
}

// sealedController is the controller to ask: --controller-url, or the one the profile names
// through the API server's service proxy.
func sealedController(root *RootOptions, controllerURL string) (sealed.Controller, string, error) {
	if controllerURL != "" {
		// Hashed like the service-proxy key: the URL itself has slashes, which made the
		// cache file a path into directories that do not exist.
		return &sealed.Endpoint{URL: controllerURL}, sealed.CacheKey("url:"+controllerURL, "", ""), nil
	}
	p, err := root.Profile()
	if err != nil {
		return nil, "", err
	}
	c, err := root.Clients()
	if err != nil {
		return nil, "", err
	}
	sp := sealed.NewServiceProxy(c, p)
	// The API server's CA is part of the cluster's identity: another cluster (or a test
	// control plane) at the same address gets its own cache entry.
	ca := c.Config.CAData
	if len(ca) == 0 && c.Config.CAFile != "" {
		ca, _ = os.ReadFile(c.Config.CAFile)
	}
	sum := sha256.Sum256(ca)
	return sp, sealed.CacheKey(c.Config.Host+"#"+hex.EncodeToString(sum[:]), sp.Namespace, sp.Name), nil
}

type sealOptions struct {
	root          *RootOptions
	filename      string
	scope         string
	cert          string
	controllerURL string
	raw           bool
	name          string
	fromFile      []string
	fromLiteral   []string
	output        string
	maxFileSize   string
	maxBytes      int64
}

// NewCmdSecretsSeal seals a Secret manifest, files or one raw value for the cluster's
// sealed-secrets controller.
func NewCmdSecretsSeal(root *RootOptions) *cobra.Command {
	o := &sealOptions{root: root}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
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
	f.StringVarP(&o.output, "output", "o", "yaml", "output format: yaml or json")
	f.StringVar(&o.maxFileSize, "max-file-size", defaultSecretsMaxFileSize, "largest input read (file or standard input); a larger one is refused")
	return cmd
}

func (o *sealOptions) Validate() error {
	if _, err := sealed.ParseScope(o.scope); err != nil {
		return UsageErrorf("%v", err)
	}
	var err error
	if o.maxBytes, err = parseMaxFileSize(o.maxFileSize); err != nil {
		return err
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
	if !o.raw {
		return validateOutput(o.output, "yaml", "json")
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
		ObjectMeta: metav1.ObjectMeta{Name: o.name, Namespace: explicitNamespace(o.root)},
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
			return nil, UsageErrorf("--from-file: %v", secretsInputError(err))
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
		data, err = inputfile.ReadAll("standard input", o.root.In, o.maxBytes)
	} else {
		data, err = inputfile.Read(name, o.maxBytes)
	}
	if err != nil {
		return nil, secretsInputError(err)
	}
	return data, nil
}

func (o *sealOptions) Run(ctx context.Context) error {
	scope, _ := sealed.ParseScope(o.scope)
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
			return UsageErrorf("%s: %v", displayName(o.filename), err)
		}
	}
	cert, err := o.certificate(ctx)
	if err != nil {
		return err
	}
	if o.raw {
		out, err := sealed.SealRaw(rawValue, explicitNamespace(o.root), o.name, scope, cert)
		if err != nil {
			return UsageErrorf("%v", err)
		}
		_, err = fmt.Fprintln(o.root.Out, out)
		return err
	}
	list := make([]*ssv1alpha1.SealedSecret, 0, len(secrets))
	for _, s := range secrets {
		ss, err := sealed.Seal(s, cert, sealed.SealOptions{Scope: scope, Namespace: explicitNamespace(o.root)})
		if err != nil {
			return UsageErrorf("%v", err)
		}
		list = append(list, ss)
	}
	out, err := sealed.EncodeSealedSecrets(list, o.output)
	if err != nil {
		return err
	}
	_, err = o.root.Out.Write(out)
	return err
}

func displayName(name string) string {
	if name == "" || name == "-" {
		return "standard input"
	}
	return name
}

type verifySealedOptions struct {
	root          *RootOptions
	files         []string
	controllerURL string
	output        string
}

// NewCmdSecretsVerifySealed asks the controller whether it can decrypt SealedSecrets.
func NewCmdSecretsVerifySealed(root *RootOptions) *cobra.Command {
	o := &verifySealedOptions{root: root}
	cmd := &cobra.Command{
		Use:   "verify-sealed FILE...",
		Short: "Ask the sealed-secrets controller whether it can decrypt SealedSecrets",
		Long: `verify-sealed sends each SealedSecret of the files to the controller's /v1/verify endpoint
(through the API server's service proxy, or --controller-url). It exits 1 when the
controller cannot decrypt one: sealed for another cluster or key, or moved to another name
or namespace than its scope allows. Nothing is applied and no value is shown.`,
		Example: `  kubectl ck8sargo secrets verify-sealed mysealedsecret.yaml
  kubectl ck8sargo secrets verify-sealed deploy/*.sealed.yaml -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			if err := validateOutput(o.output, "text", "json"); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.controllerURL, "controller-url", "", "reach the controller directly at this URL instead of the service proxy")
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	return cmd
}

type verifyFileResult struct {
	File string `json:"file"`
	sealed.VerifyResult
}

func readSealedFiles(files []string) (map[string][]*ssv1alpha1.SealedSecret, error) {
	out := map[string][]*ssv1alpha1.SealedSecret{}
	for _, f := range files {
		data, err := inputfile.Read(f, defaultSecretsMaxBytes)
		if err != nil {
			return nil, UsageErrorf("%v", err)
		}
		list, err := sealed.DecodeSealedSecrets(data)
		if err != nil {
			return nil, UsageErrorf("%s: %v", f, err)
		}
		out[f] = list
	}
	return out, nil
}

func (o *verifySealedOptions) Run(ctx context.Context) error {
	byFile, err := readSealedFiles(o.files)
	if err != nil {
		return err
	}
	ctrl, _, err := sealedController(o.root, o.controllerURL)
	if err != nil {
		return err
	}
	var results []verifyFileResult
	bad := 0
	for _, f := range o.files {
		for _, ss := range byFile[f] {
			r, err := sealed.Verify(ctx, ctrl, ss)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			if !r.Decryptable {
				bad++
			}
			results = append(results, verifyFileResult{File: f, VerifyResult: r})
		}
	}
	if o.output == "json" {
		if err := printStructured(o.root.Out, "json", results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			verdict := "the controller can decrypt it"
			if !r.Decryptable {
				verdict = "the controller CANNOT decrypt it: reseal it, or seal it again for this name, namespace and cluster"
			}
			fmt.Fprintf(o.root.Out, "%s: SealedSecret %s/%s: %s\n", r.File, r.Namespace, r.Name, verdict)
		}
	}
	if bad > 0 {
		return ProblemsFound()
	}
	return nil
}

type resealOptions struct {
	root          *RootOptions
	files         []string
	controllerURL string
}

// NewCmdSecretsReseal re-encrypts SealedSecret files with the controller's newest key.
func NewCmdSecretsReseal(root *RootOptions) *cobra.Command {
	o := &resealOptions{root: root}
	cmd := &cobra.Command{
		Use:   "reseal FILE...",
		Short: "Re-encrypt SealedSecret files with the controller's current key (after a key rotation)",
		Long: `reseal sends each SealedSecret to the controller's /v1/rotate endpoint, which decrypts it
with whichever of its keys sealed it and encrypts it again with its newest key; the
plaintext never leaves the controller. The file is rewritten in place (atomically, with its
mode), keeping metadata and template as they were; only encryptedData changes. A file is
left untouched when any of its SealedSecrets cannot be resealed.`,
		Example: `  kubectl ck8sargo secrets reseal deploy/mysealedsecret.yaml
  kubectl ck8sargo secrets reseal $(git ls-files '*sealed*.yaml')`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.controllerURL, "controller-url", "", "reach the controller directly at this URL instead of the service proxy")
	return cmd
}

func (o *resealOptions) Run(ctx context.Context) error {
	byFile, err := readSealedFiles(o.files)
	if err != nil {
		return err
	}
	ctrl, _, err := sealedController(o.root, o.controllerURL)
	if err != nil {
		return err
	}
	for _, f := range o.files {
		list := byFile[f]
		out := make([]*ssv1alpha1.SealedSecret, 0, len(list))
		for _, ss := range list {
			re, err := sealed.Reseal(ctx, ctrl, ss)
			if err != nil {
				return fmt.Errorf("%s (left unchanged): %w", f, err)
			}
			out = append(out, re)
		}
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		orig, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		format := "yaml"
		if bytes.HasPrefix(bytes.TrimSpace(orig), []byte("{")) {
			format = "json"
		}
		data, err := sealed.EncodeSealedSecrets(out, format)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(f, data, st.Mode().Perm()); err != nil {
			return err
		}
		fmt.Fprintf(o.root.Out, "%s: resealed %d SealedSecret(s) with the controller's current key\n", f, len(out))
	}
	return nil
}
