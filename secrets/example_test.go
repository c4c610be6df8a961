package secrets_test

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/secrets"
)

// A repo server that cannot start because its key Secret is missing, as the API server
// reports it. (The tests run the same against a real API server.)
func ExampleCheckRepoServer() {
	p := argocdmanaged.DefaultProfile()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-repo-server-0", Namespace: p.ArgoCD.Namespace,
			Labels: map[string]string{"app.kubernetes.io/component": "repo-server"}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "repo-server", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError"}},
		}}},
	}
	c := &argocdmanaged.Clients{Kube: fake.NewClientset(pod)}
	st, err := secrets.CheckRepoServer(context.Background(), c, p, secrets.CheckRepoServerOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Ready, st.Pods[0].Name, st.Pods[0].Reason)
	// Output: false argocd-repo-server-0 CreateContainerConfigError
}
