package golive_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/golive"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/policy"
)

func item(t *testing.T, cl *golive.Checklist, id string) golive.Item {
	t.Helper()
	for _, it := range cl.Items {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("no item %s", id)
	return golive.Item{}
}

func offline(t *testing.T) *golive.Checklist {
	t.Helper()
	opts := golive.Options{Profile: argocdmanaged.DefaultProfile(), Policy: policy.DefaultOptions()}
	opts.Policy.BaseDir = "testdata/repo"
	cl, err := golive.Run(context.Background(), golive.Inputs{Paths: []string{"testdata/repo"}}, opts)
	require.NoError(t, err)
	return cl
}

func TestChecklistFromManifests(t *testing.T) {
	cl := offline(t)
	tests := []struct {
		id     string
		status golive.Status
		failed []string // names of the workloads with findings
	}{
		{"load-test", golive.StatusNeedsHuman, nil},
		{"rolling-update", golive.StatusFail, []string{"worker"}},
		{"requests-limits", golive.StatusFail, []string{"worker"}},
		{"replicas", golive.StatusFail, []string{"worker"}},
		{"spread", golive.StatusFail, []string{"worker"}},
		{"pdb", golive.StatusFail, []string{"worker", "db"}},
		{"zones", golive.StatusNeedsHuman, []string{"worker", "db"}},
		{"persistent-data", golive.StatusNeedsHuman, nil},
		{"backups", golive.StatusNeedsHuman, nil},
		{"from-git", golive.StatusNeedsHuman, nil},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			it := item(t, cl, tt.id)
			assert.Equal(t, tt.status, it.Status, it.Evidence)
			var names []string
			for _, f := range it.Findings {
				names = append(names, f.Object.Name)
			}
			assert.ElementsMatch(t, tt.failed, names)
		})
	}
	f := item(t, cl, "requests-limits").Findings[0]
	assert.Equal(t, `container "worker" lacks [memory request memory limit]`, f.Message)
	assert.Equal(t, "bad.yaml", f.File)
	assert.Equal(t, 1, f.Line)
	assert.Contains(t, item(t, cl, "persistent-data").Evidence, "1 PersistentVolumeClaims or claim templates")
}

func TestLiveWorkloadsNotManagedByArgoCDFailFromGit(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	ns := testenv.TenantNamespaces[1]
	deploy := func(name string, annotations map[string]string) {
		replicas := int32(2)
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: annotations},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "harbor.example.com/x:1"}}},
				},
			},
		}
		_, err := env.AdminClient.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = env.AdminClient.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{}) })
	}
	deploy("by-hand", nil)
	deploy("by-argo", map[string]string{"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop-staging/by-argo"})

	c, err := argocdmanaged.NewClientsForConfig(env.Developer)
	require.NoError(t, err)
	cl, err := golive.Run(ctx, golive.Inputs{Live: c}, golive.Options{Profile: env.Profile})
	require.NoError(t, err)
	it := item(t, cl, "from-git")
	assert.Equal(t, golive.StatusFail, it.Status)
	require.Len(t, it.Findings, 1)
	assert.Equal(t, "by-hand", it.Findings[0].Object.Name)
	assert.Equal(t, golive.StatusPass, item(t, cl, "replicas").Status)
}
