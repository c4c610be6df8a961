package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

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

// readSealedFiles reads the SealedSecrets of each file, before anything is sent.
func readSealedFiles(files []string) (map[string][]*ssv1alpha1.SealedSecret, error) {
	out := map[string][]*ssv1alpha1.SealedSecret{}
	for _, f := range files {
		data, err := inputfile.Read(f, defaultSecretsMaxBytes)
		if err != nil {
			return nil, UsageErrorf("%w", err)
		}
		list, err := sealed.DecodeSealedSecrets(data)
		if err != nil {
			return nil, UsageErrorf("%s: %w", f, err)
		}
		out[f] = list
	}
	return out, nil
}

// displayName is how an input is named in a message: - and nothing are standard input.
func displayName(name string) string {
	if name == "" || name == "-" {
		return "standard input"
	}
	return name
}

// sealedFilesOptions is what verify-sealed and reseal share: SealedSecret files and the
// controller to ask about them.
type sealedFilesOptions struct {
	genericiooptions.IOStreams
	fileArgs
	root          *RootOptions
	controllerURL string
}

func (o *sealedFilesOptions) addControllerURL(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.controllerURL, "controller-url", "", "reach the controller directly at this URL instead of the service proxy")
}

// open reads every file (a bad one fails before the controller is asked) and returns the
// controller.
func (o *sealedFilesOptions) open() (map[string][]*ssv1alpha1.SealedSecret, sealed.Controller, error) {
	byFile, err := readSealedFiles(o.files)
	if err != nil {
		return nil, nil, err
	}
	ctrl, _, err := sealedController(o.root, o.controllerURL)
	return byFile, ctrl, sealedError(err)
}
