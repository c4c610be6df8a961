package argocdmanaged_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

func TestDiscoverFindsManagedNamespacesAndPlatformNamespaces(t *testing.T) {
	testenv.Require(t, env)
	d := discover(t, env.Admin)
	assert.Empty(t, d.Warnings)
	assert.Equal(t, testenv.TenantNamespaces, d.Profile.Namespaces.Managed)
	assert.Contains(t, d.Profile.Namespaces.Platform, "velero")
	assert.Contains(t, d.Profile.Namespaces.Platform, "argocd-system")
	assert.Equal(t, "cluster: Secret argocd-system/"+testenv.ClusterSecretName+", field namespaces", d.Profile.Source("namespaces.managed"))
	assert.False(t, d.Profile.Features.HelmSecrets.Enabled)
	assert.False(t, d.Profile.Features.SealedSecrets.Enabled)
}

func TestDiscoverEnablesFeaturesWhoseObjectsExist(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	p := env.Profile
	secrets := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace)
	key := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Name:   p.Features.HelmSecrets.KeySecretName,
		Labels: map[string]string{argocdmanaged.SecretTypeLabel: argocdmanaged.LegacyHelmSecretsLabelValue},
	}}
	_, err := secrets.Create(ctx, key, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = secrets.Delete(ctx, key.Name, metav1.DeleteOptions{}) })
	_, err = env.AdminClient.CoreV1().Services("kube-system").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "sealed-secrets-controller"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 8080}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = env.AdminClient.CoreV1().Services("kube-system").Delete(ctx, "sealed-secrets-controller", metav1.DeleteOptions{})
	})

	d := discover(t, env.Admin)

	hs := d.Profile.Features.HelmSecrets
	assert.True(t, hs.Enabled)
	assert.Equal(t, argocdmanaged.LegacyHelmSecretsLabelValue, hs.KeySecretLabel, "the label found on the live Secret is kept")
	ss := d.Profile.Features.SealedSecrets
	assert.True(t, ss.Enabled)
	assert.Equal(t, "kube-system", ss.ControllerNamespace, "found where kubeseal looks by default")
	assert.False(t, d.Profile.Features.Vals.Enabled)
}

func TestDiscoverAsTheDeveloperWarnsAboutWhatItCannotSee(t *testing.T) {
	testenv.Require(t, env)
	d := discover(t, env.Developer)
	require.NotEmpty(t, d.Warnings)
	assert.Contains(t, d.Warnings[0], "forbidden: you may not list secrets in namespace argocd-system; ask the Platform Administrator")
	assert.Empty(t, d.Profile.Namespaces.Managed, "left as it was")
}

func TestDiscoverRecordsTheArgoCDVersionFromTheNotificationsControllerImage(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	ns := env.Profile.ArgoCD.Namespace
	labels := map[string]string{"app.kubernetes.io/name": "argocd-notifications-controller"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-notifications-controller"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "controller", Image: "quay.io/argoproj/argocd:v3.5.7"}}},
			},
		},
	}
	deployments := env.AdminClient.AppsV1().Deployments(ns)
	_, err := deployments.Create(ctx, dep, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = deployments.Delete(ctx, dep.Name, metav1.DeleteOptions{}) })

	d := discover(t, env.Admin)
	assert.Empty(t, d.Warnings)
	assert.Equal(t, "v3.5.7", d.Profile.ArgoCD.Version)
	assert.Equal(t, "cluster: image quay.io/argoproj/argocd:v3.5.7 of Deployment argocd-system/argocd-notifications-controller", d.Profile.Source("argocd.version"))
}
