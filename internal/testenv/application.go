package testenv

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// CreateApplication creates, as the admin, the Application name with spec in the profile's
// Argo CD namespace, and deletes it when the test ends.
func (e *Env) CreateApplication(t testing.TB, name string, spec map[string]any) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(e.Admin)
	require.NoError(t, err)
	ns := e.Profile.ArgoCD.Namespace
	apps := dyn.Resource(argocdmanaged.ApplicationsResource).Namespace(ns)
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": argocdmanaged.APIVersion, "kind": argocdmanaged.KindApplication,
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     spec,
	}}
	_, err = apps.Create(context.Background(), u, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = apps.Delete(context.Background(), name, metav1.DeleteOptions{}) })
}
