package vals

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// FieldManager is the server-side apply field manager of every object this project writes.
const FieldManager = "kubectl-ck8sargo"

var secretsResource = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// DryRun asks the API server to check the request without storing anything.
	DryRun bool
}

// Apply creates or updates s with server-side apply, with the identity of c (the user's, so
// that the API server decides what the user may do). Fields another manager set are taken
// over: the Secret is the user's to define. A refusal is an *argocdmanaged.ForbiddenError
// naming the permission to ask for.
func Apply(ctx context.Context, c *argocdmanaged.Clients, s *corev1.Secret, o ApplyOptions) (*corev1.Secret, error) {
	ac := corev1ac.Secret(s.Name, s.Namespace).WithLabels(s.Labels).WithType(s.Type).WithData(s.Data)
	opts := metav1.ApplyOptions{FieldManager: FieldManager, Force: true}
	if o.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := c.Kube.CoreV1().Secrets(s.Namespace).Apply(ctx, ac, opts)
	if err != nil {
		return nil, fmt.Errorf("applying Secret %s/%s: %w", s.Namespace, s.Name, c.Explain(err, "patch", secretsResource, s.Namespace, s.Name))
	}
	return out, nil
}
