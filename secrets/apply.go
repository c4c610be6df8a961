package secrets

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// secretsResource is the core/v1 secrets resource, for error explanations.
var secretsResource = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// podsResource is the core/v1 pods resource, for error explanations.
var podsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// ApplyOptions tune ApplySecret.
type ApplyOptions struct {
	// DryRun is argocdmanaged.DryRunServer to have the API server check the request
	// without storing anything, or DryRunClient to send nothing (the Secret comes back as
	// it was given).
	DryRun argocdmanaged.DryRun
}

// ApplySecret creates or updates s by server-side apply with the identity of c, the
// user's, so that the API server decides what the user may do, and c's field manager
// (c.Manager()), so that an embedder's writes are told apart from the plugin's. Fields
// another manager set (a Secret made with `kubectl create` as in the platform's
// documentation) are taken over, as the Secret is the user's to define. A refusal is an
// *argocdmanaged.ForbiddenError naming the permission to ask the Platform Administrator
// for. The returned Secret's data are those the API server stored; callers must not print
// them.
func ApplySecret(ctx context.Context, c *argocdmanaged.Clients, s *corev1.Secret, o ApplyOptions) (*corev1.Secret, error) {
	ac := corev1ac.Secret(s.Name, s.Namespace).WithLabels(s.Labels).WithType(s.Type).WithData(s.Data)
	if o.DryRun == argocdmanaged.DryRunClient {
		return s.DeepCopy(), nil
	}
	opts := metav1.ApplyOptions{FieldManager: c.Manager(), Force: true, DryRun: o.DryRun.APIOption()}
	out, err := c.Kube.CoreV1().Secrets(s.Namespace).Apply(ctx, ac, opts)
	if err != nil {
		return nil, fmt.Errorf("applying Secret %s/%s: %w", s.Namespace, s.Name, c.Explain(err, "patch", secretsResource, s.Namespace, s.Name))
	}
	return out, nil
}
