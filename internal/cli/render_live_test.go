package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// liveRenderRepo has an overlay with helmCharts (rendered only with --enable-helm) and a
// plain ConfigMap, and a Helm source with a value file on s3://.
var liveRenderRepo = map[string]string{
	"apps/apps.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: inflated, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/deploy.git, path: overlay}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: remote-values, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/deploy.git, path: overlay/charts/web, helm: {valueFiles: ["s3://bucket/values.yaml"]}}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`,
	"overlay/kustomization.yaml":               "resources: [settings.yaml]\nhelmCharts:\n- {name: web, releaseName: web}\n",
	"overlay/settings.yaml":                    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n",
	"overlay/charts/web/Chart.yaml":            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"overlay/charts/web/values.yaml":           "replicas: 2\n",
	"overlay/charts/web/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .Release.Name }}}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx}]\n",
}

// TestRenderReadsArgoCDCMLive runs render --argocd-cm live against the test control
// plane: argocd-cm's kustomize.buildOptions turn on helmCharts, its resource.exclusions
// leave ConfigMaps out with a note, and its helm.valuesFileSchemes refuse an s3:// value
// file as Argo CD would. A developer, who may not read argocd-cm on the platform, is told
// which right to ask for.
func TestRenderReadsArgoCDCMLive(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	ns := env.Namespace(t, "argocd")
	p := env.Profile.Clone()
	p.ArgoCD.Namespace = ns
	profile := profileFile(t, p)
	_, err := env.AdminClient.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-cm"},
		Data: map[string]string{
			"kustomize.buildOptions": "--enable-helm",
			"resource.exclusions":    "- apiGroups: ['']\n  kinds: [ConfigMap]\n  clusters: ['https://kubernetes.default.*']\n",
			"helm.valuesFileSchemes": "secrets, https",
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	root := t.TempDir()
	fixture.WriteFiles(t, root, liveRenderRepo)
	t.Chdir(root)
	run := func(kubeconfig string, args ...string) (int, string, string, string) {
		r := runPlugin(t, kubeconfig, "", args...)
		return r.code, r.msg, r.stdout, r.stderr
	}
	base := []string{"render", "--profile", profile, "--repo-root", ".", "--repo-url", "https://git.example.com/deploy.git", "--argocd-cm", "live"}

	code, msg, stdout, stderr := run(env.AdminKubeconfig, append(base, "--app", "inflated")...)
	require.Equal(t, 0, code, msg+stderr)
	assert.Contains(t, stdout, "# Application argocd/inflated (apps/apps.yaml:1): 1 object\napiVersion: apps/v1\nkind: Deployment\n")
	assert.Contains(t, stdout, "replicas: 2")
	assert.Equal(t, "not-rendered Application inflated: Resource /ConfigMap settings is excluded in the settings (resource.exclusions or resource.inclusions of argocd-cm): Argo CD does not deploy it (overlay/kustomization.yaml)\n", stderr)

	code, _, _, stderr = run(env.AdminKubeconfig, append(base, "--app", "remote-values")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "the URL scheme 's3' of s3://bucket/values.yaml is not allowed: helm.valuesFileSchemes of argocd-cm is \"secrets, https\"")

	devProfile := profileFile(t, env.Profile)
	dev := append([]string{}, base...)
	dev[2] = devProfile
	code, msg, stdout, _ = run(env.DeveloperKubeconfig, dev...)
	assert.Equal(t, 2, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "--argocd-cm live: reading argocd-cm: forbidden: you may not get configmaps \"argocd-cm\" in namespace "+env.Profile.ArgoCD.Namespace+
		"; ask the Platform Administrator for the right to get configmaps in namespace "+env.Profile.ArgoCD.Namespace, msg)
}
