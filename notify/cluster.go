package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

var (
	configMapsResource = corev1.SchemeGroupVersion.WithResource("configmaps")
	secretsResource    = corev1.SchemeGroupVersion.WithResource("secrets")
)

// Load reads the notifications ConfigMap and Secret named by the profile. A missing object
// is an empty one (Argo CD treats it so); a Secret the user may not read is an error that
// names the right to ask for.
func Load(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile) (*Config, error) {
	ns := p.ArgoCD.Namespace
	cm, err := getOptional(ctx, c, c.Kube.CoreV1().ConfigMaps(ns), configMapsResource, ns, p.Notifications.ConfigMap)
	if err != nil {
		return nil, err
	}
	secret, err := getOptional(ctx, c, c.Kube.CoreV1().Secrets(ns), secretsResource, ns, p.Notifications.Secret)
	if err != nil {
		return nil, err
	}
	return FromObjects(p, cm, secret), nil
}

// getter is the Get of a typed client (ConfigMaps, Secrets).
type getter[T any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
}

// getOptional reads one notifications object for Load and LoadForCheck: a missing object
// is nil, which FromObjects takes as empty; any other failure names the right to ask for.
func getOptional[T any](ctx context.Context, c *argocdmanaged.Clients, g getter[*T], resource schema.GroupVersionResource, ns, name string) (*T, error) {
	obj, err := g.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading the notifications configuration: %w", c.Explain(err, "get", resource, ns, name))
	}
	return obj, nil
}

// LoadForCheck reads the configuration as Load does, for lint and test, which can check
// much without the Secret: a Secret the user may not read (403) leaves SecretData empty and
// sets SecretUnreadable, so that the checks which need its values are reported unknown.
// Any other failure, an unreachable server included, is an error, as with Load.
func LoadForCheck(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile) (*Config, error) {
	cfg, err := Load(ctx, c, p)
	var fe *argocdmanaged.ForbiddenError
	if err == nil || !errors.As(err, &fe) || fe.Resource != secretsResource.Resource {
		return cfg, err
	}
	ns := p.ArgoCD.Namespace
	cm, err := getOptional(ctx, c, c.Kube.CoreV1().ConfigMaps(ns), configMapsResource, ns, p.Notifications.ConfigMap)
	if err != nil {
		return nil, err
	}
	cfg = FromObjects(p, cm, nil)
	cfg.SecretUnreadable = fe
	return cfg, nil
}

// ApplyResult holds the objects as written (or as they would be written in a dry run).
// Secret is redacted: it is safe to print.
type ApplyResult struct {
	ConfigMap *corev1.ConfigMap `json:"configMap,omitempty"`
	Secret    *corev1.Secret    `json:"secret,omitempty"`
}

// Apply writes the changed parts of cfg with the user's identity: server-side apply with
// field manager kubectl-ck8sargo for the keys it holds, and a merge patch removing the keys
// deleted since Load (apply alone cannot remove keys that other managers, such as
// `kubectl edit`, also own). With argocdmanaged.DryRunClient nothing is sent; with argocdmanaged.DryRunServer the API
// server validates and admits without storing.
func Apply(ctx context.Context, c *argocdmanaged.Clients, cfg *Config, dry argocdmanaged.DryRun) (*ApplyResult, error) {
	cmChanged, secretChanged := cfg.Changed()
	removedData, removedSecret := cfg.removedKeys()
	res := &ApplyResult{}
	if dry == argocdmanaged.DryRunClient {
		if cmChanged {
			res.ConfigMap = cfg.ConfigMap()
		}
		if secretChanged {
			res.Secret = cfg.RedactedSecret()
		}
		return res, nil
	}
	ns := cfg.Namespace
	// The Secret first: a ConfigMap referencing keys that do not exist yet would make the
	// controller send literal $key text in between.
	if secretChanged {
		ac := corev1ac.Secret(cfg.SecretName, ns).WithType(corev1.SecretTypeOpaque).WithData(cfg.Secret().Data)
		if cfg.SecretExists {
			// The type of an existing Secret is immutable and may not be Opaque.
			ac.Type = nil
		}
		w := objectWrite{"Secret", cfg.SecretName, ns, secretsResource, cfg.SecretExists, removedSecret, dry}
		out, err := writeObject(ctx, c, c.Kube.CoreV1().Secrets(ns), ac, w)
		if err != nil {
			return nil, err
		}
		dropRemoved(w, out.Data)
		res.Secret = redact(out)
	}
	if cmChanged {
		ac := corev1ac.ConfigMap(cfg.ConfigMapName, ns).WithData(cfg.Data)
		w := objectWrite{"ConfigMap", cfg.ConfigMapName, ns, configMapsResource, cfg.ConfigMapExists, removedData, dry}
		out, err := writeObject(ctx, c, c.Kube.CoreV1().ConfigMaps(ns), ac, w)
		if err != nil {
			return nil, err
		}
		dropRemoved(w, out.Data)
		out.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}
		res.ConfigMap = out
	}
	if dry == argocdmanaged.DryRunNone {
		cfg.ConfigMapExists = cfg.ConfigMapExists || cmChanged
		cfg.SecretExists = cfg.SecretExists || secretChanged
		cfg.markLoaded()
	}
	return res, nil
}

// objectWrite is one notifications object that Apply writes.
type objectWrite struct {
	kind, name, namespace string
	resource              schema.GroupVersionResource
	exists                bool
	// removed are the data keys deleted since Load.
	removed []string
	dry     argocdmanaged.DryRun
}

// objectClient is the part of a typed client (ConfigMaps, Secrets) that writeObject uses.
type objectClient[T, AC any] interface {
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)
	Apply(ctx context.Context, ac AC, opts metav1.ApplyOptions) (T, error)
}

// writeObject removes w's deleted keys with a merge patch, then applies ac: the two steps
// Apply takes for the Secret and for the ConfigMap.
func writeObject[T, AC any](ctx context.Context, c *argocdmanaged.Clients, client objectClient[T, AC], ac AC, w objectWrite) (T, error) {
	var none T
	dryRun := w.dry.APIOption()
	if len(w.removed) > 0 && w.exists {
		if _, err := client.Patch(ctx, w.name, types.MergePatchType, removalPatch(w.removed), metav1.PatchOptions{FieldManager: c.Manager(), DryRun: dryRun}); err != nil {
			return none, fmt.Errorf("removing keys from %s %s: %w", w.kind, w.name, c.Explain(err, "patch", w.resource, w.namespace, w.name))
		}
	}
	out, err := client.Apply(ctx, ac, metav1.ApplyOptions{FieldManager: c.Manager(), Force: true, DryRun: dryRun})
	if err != nil {
		verb := "patch"
		if !w.exists {
			verb = "create"
		}
		return none, fmt.Errorf("writing %s %s: %w", w.kind, w.name, c.Explain(err, verb, w.resource, w.namespace, w.name))
	}
	return out, nil
}

// dropRemoved deletes w's removed keys from the data of a server dry run's result: the
// dry-run removal patch is not seen by the dry-run apply after it, so the result still
// holds them.
func dropRemoved[V any](w objectWrite, data map[string]V) {
	if w.dry != argocdmanaged.DryRunServer {
		return
	}
	for _, k := range w.removed {
		delete(data, k)
	}
}

// removalPatch is a JSON merge patch deleting data keys.
func removalPatch(keys []string) []byte {
	data := map[string]any{}
	for _, k := range keys {
		data[k] = nil
	}
	b, _ := json.Marshal(map[string]any{"data": data})
	return b
}
