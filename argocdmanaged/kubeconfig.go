package argocdmanaged

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ErrNoKubeconfig means no kubeconfig file was found where kubectl looks for one
// (--kubeconfig, $KUBECONFIG, ~/.kube/config) and nothing else names a server.
// client-go then quietly falls back to http://localhost:8080, and the user is told that a
// server they never named cannot be reached.
var ErrNoKubeconfig = errors.New("no kubeconfig found")

// NoKubeconfigError is ErrNoKubeconfig (errors.Is holds) with where kubectl looked, so that
// a caller can say how its users give a kubeconfig.
type NoKubeconfigError struct {
	// File is the kubeconfig file the caller named explicitly (kubectl's --kubeconfig);
	// empty when none was named.
	File string
	// Paths are the files looked at when none was named: those of $KUBECONFIG when
	// FromEnv, else the default file.
	Paths   []string
	FromEnv bool
}

func (e *NoKubeconfigError) Error() string {
	switch {
	case e.File != "":
		return fmt.Sprintf("%v: the kubeconfig file %s does not exist", ErrNoKubeconfig, e.File)
	case e.FromEnv:
		return fmt.Sprintf("%v: $KUBECONFIG names %s, which does not exist; point it at your cluster's kubeconfig", ErrNoKubeconfig, strings.Join(e.Paths, ", "))
	}
	return fmt.Sprintf("%v: %s does not exist and $KUBECONFIG is not set; get your cluster's kubeconfig, then set KUBECONFIG", ErrNoKubeconfig, strings.Join(e.Paths, ", "))
}

// Is makes errors.Is(err, ErrNoKubeconfig) hold.
func (e *NoKubeconfigError) Is(target error) bool { return target == ErrNoKubeconfig }

// RESTConfig is the REST config of kubectl-style flags, or an error that says which
// kubeconfig file is missing when there is none to read.
func RESTConfig(getter genericclioptions.RESTClientGetter) (*rest.Config, error) {
	if err := checkKubeconfig(getter); err != nil {
		return nil, err
	}
	cfg, err := getter.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("reading kubeconfig: %w", err)
	}
	return cfg, nil
}

// checkKubeconfig fails with a *NoKubeconfigError when none of the files kubectl would read
// exists, unless a server comes from elsewhere: --server, or the in-cluster configuration of
// a Pod.
func checkKubeconfig(getter genericclioptions.RESTClientGetter) error {
	flags, ok := getter.(*genericclioptions.ConfigFlags)
	if !ok {
		return nil // another getter knows its own sources
	}
	if flags.APIServer != nil && *flags.APIServer != "" {
		return nil
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil // in a Pod, client-go uses the service account
	}
	access := getter.ToRawKubeConfigLoader().ConfigAccess()
	if access.IsExplicitFile() {
		path := access.GetExplicitFile()
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return &NoKubeconfigError{File: path}
		}
		return nil
	}
	paths := access.GetLoadingPrecedence()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return nil // it exists, or reading it will say what is wrong
		}
	}
	return &NoKubeconfigError{Paths: paths, FromEnv: os.Getenv(clientcmd.RecommendedConfigPathEnvVar) != ""}
}
