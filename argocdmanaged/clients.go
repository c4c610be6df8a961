package argocdmanaged

import (
	"fmt"
	"net/http"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Clients are the API clients every cluster operation of this project uses, built once from
// the user's kubeconfig (and so with the user's identity, never a more privileged one).
type Clients struct {
	Kube      kubernetes.Interface
	Dynamic   dynamic.Interface
	Discovery discovery.DiscoveryInterface
	// Config is the REST config the clients were built from.
	Config *rest.Config
	// Context is the kubeconfig context in use, for error messages; empty when unknown.
	Context string
	// FieldManager names this tool in the managedFields of what it writes; empty means
	// DefaultFieldManager. An embedder sets its own so that its writes are told apart.
	FieldManager string
}

// DefaultFieldManager is the field manager of every write this project makes, unless
// Clients.FieldManager says otherwise.
const DefaultFieldManager = "kubectl-ck8sargo"

// Manager is the field manager to write with: FieldManager, else DefaultFieldManager.
func (c *Clients) Manager() string {
	if c.FieldManager != "" {
		return c.FieldManager
	}
	return DefaultFieldManager
}

// NewClients builds Clients from kubectl-style flags or any other RESTClientGetter.
func NewClients(getter genericclioptions.RESTClientGetter) (*Clients, error) {
	cfg, err := RESTConfig(getter)
	if err != nil {
		return nil, err
	}
	c, err := NewClientsForConfig(cfg)
	if err != nil {
		return nil, err
	}
	c.Context = contextName(getter)
	return c, nil
}

// NewClientsForConfig builds Clients from a REST config, for embedders that already have one.
func NewClientsForConfig(cfg *rest.Config) (*Clients, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultFieldManager
	}
	// client-go logs API warnings through klog by default; a library must not print, so
	// warnings are dropped unless the caller installs a handler (the plugin prints them
	// as kubectl does).
	if cfg.WarningHandler == nil && cfg.WarningHandlerWithContext == nil {
		cfg.WarningHandler = rest.NoWarnings{}
	}
	if cfg.Timeout == 0 {
		wrap := cfg.WrapTransport
		cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			if wrap != nil {
				rt = wrap(rt)
			}
			return &headerTimeout{next: rt, after: responseHeaderTimeout}
		}
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building Kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building dynamic client: %w", err)
	}
	return &Clients{Kube: kube, Dynamic: dyn, Discovery: kube.Discovery(), Config: cfg}, nil
}

// contextName is the kubeconfig context the getter uses: the --context flag when given,
// else the kubeconfig's current context.
func contextName(getter genericclioptions.RESTClientGetter) string {
	if f, ok := getter.(*genericclioptions.ConfigFlags); ok && f.Context != nil && *f.Context != "" {
		return *f.Context
	}
	if raw, err := getter.ToRawKubeConfigLoader().RawConfig(); err == nil {
		return raw.CurrentContext
	}
	return ""
}
