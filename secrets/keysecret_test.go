package secrets_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/secrets"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// developerClients skips without the test environment and returns the clients of the
// platform's restricted developer, as whom these tests act.
func developerClients(t *testing.T) *argocdmanaged.Clients {
	t.Helper()
	testenv.Require(t, env)
	dev, err := argocdmanaged.NewClientsForConfig(env.Developer)
	require.NoError(t, err)
	return dev
}

func TestApplyKeySecretAsDeveloper(t *testing.T) {
	dev := developerClients(t)
	ctx := context.Background()
	p := env.Profile
	k, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
	require.NoError(t, err)
	s, err := sops.KeySecret(p, k.Private)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
	})

	t.Run("a dry run stores nothing", func(t *testing.T) {
		_, err := secrets.ApplySecret(ctx, dev, s, secrets.ApplyOptions{DryRun: argocdmanaged.DryRunServer})
		require.NoError(t, err)
		_, err = env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
		assert.Error(t, err)
	})
	t.Run("the developer creates it with the profile's name, data key and label", func(t *testing.T) {
		_, err := secrets.ApplySecret(ctx, dev, s, secrets.ApplyOptions{})
		require.NoError(t, err)
		got, err := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace).Get(ctx, p.Features.HelmSecrets.KeySecretName, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, k.Private, got.Data[p.Features.HelmSecrets.KeySecretDataKey], "byte for byte")
		assert.Equal(t, p.Features.HelmSecrets.KeySecretLabel, got.Labels[argocdmanaged.SecretTypeLabel])
		var managers []string
		for _, mf := range got.ManagedFields {
			managers = append(managers, mf.Manager)
		}
		assert.Contains(t, managers, argocdmanaged.DefaultFieldManager)
	})
	t.Run("applying again updates it, also over a kubectl create", func(t *testing.T) {
		k2, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
		require.NoError(t, err)
		s2, err := sops.KeySecret(p, k2.Private)
		require.NoError(t, err)
		_, err = secrets.ApplySecret(ctx, dev, s2, secrets.ApplyOptions{})
		require.NoError(t, err)
		got, err := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, k2.Private, got.Data[p.Features.HelmSecrets.KeySecretDataKey])
	})
	t.Run("another Secret name is forbidden, with the permission to ask for", func(t *testing.T) {
		other := s.DeepCopy()
		other.Name = "not-the-key-secret"
		_, err := secrets.ApplySecret(ctx, dev, other, secrets.ApplyOptions{})
		require.Error(t, err)
		var fe *argocdmanaged.ForbiddenError
		require.ErrorAs(t, err, &fe)
		assert.Contains(t, err.Error(), "ask the Platform Administrator")
		assert.NotContains(t, err.Error(), "AGE-SECRET-KEY")
	})
	t.Run("the developer may not write Secrets in a platform namespace", func(t *testing.T) {
		other := s.DeepCopy()
		other.Namespace = "kube-system"
		_, err := secrets.ApplySecret(ctx, dev, other, secrets.ApplyOptions{})
		var fe *argocdmanaged.ForbiddenError
		require.ErrorAs(t, err, &fe)
	})
}

func TestCheckRepoServer(t *testing.T) {
	dev := developerClients(t)
	ctx := context.Background()
	p := env.Profile
	ns := p.ArgoCD.Namespace

	t.Run("no pod: says what to check", func(t *testing.T) {
		st, err := secrets.CheckRepoServer(ctx, dev, p, secrets.CheckRepoServerOptions{})
		require.NoError(t, err)
		assert.False(t, st.Ready)
		assert.Contains(t, st.Advice, "no repo server pod")
	})

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-repo-server-test", Namespace: ns, Labels: map[string]string{"app.kubernetes.io/component": "repo-server"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "repo-server", Image: "quay.io/argoproj/argocd:v3.5.7"}}},
	}
	_, err := env.AdminClient.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = env.AdminClient.CoreV1().Pods(ns).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	})
	setStatus := func(t *testing.T, st corev1.PodStatus) {
		t.Helper()
		got, err := env.AdminClient.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
		require.NoError(t, err)
		got.Status = st
		_, err = env.AdminClient.CoreV1().Pods(ns).UpdateStatus(ctx, got, metav1.UpdateOptions{})
		require.NoError(t, err)
	}

	t.Run("a pod waiting for its Secret: says to check the Secret and ask for a restart", func(t *testing.T) {
		setStatus(t, corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "repo-server", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError"}},
		}}})
		st, err := secrets.CheckRepoServer(ctx, dev, p, secrets.CheckRepoServerOptions{Secret: "argocd-system/helm-secrets-private-keys"})
		require.NoError(t, err)
		assert.False(t, st.Ready)
		require.Len(t, st.Pods, 1)
		assert.Equal(t, "CreateContainerConfigError", st.Pods[0].Reason)
		assert.Contains(t, st.Advice, "restart the repo server")
	})
	t.Run("a ready pod", func(t *testing.T) {
		setStatus(t, corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}})
		st, err := secrets.CheckRepoServer(ctx, dev, p, secrets.CheckRepoServerOptions{})
		require.NoError(t, err)
		assert.True(t, st.Ready)
		assert.Empty(t, st.Advice)
	})
}
