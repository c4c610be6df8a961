package secrets

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// repoServerSelector selects Argo CD's repo server pods: Argo CD's own component label,
// which the platform keeps.
const repoServerSelector = "app.kubernetes.io/component=repo-server"

// PodState is the state of one repo server pod.
type PodState struct {
	Name  string `json:"name"`
	Phase string `json:"phase"`
	Ready bool   `json:"ready"`
	// Reason is why a container does not run (CreateContainerConfigError,
	// ContainerCreating, CrashLoopBackOff, ...); empty when all run.
	Reason string `json:"reason,omitempty"`
}

// RepoServerStatus is what CheckRepoServer found.
type RepoServerStatus struct {
	Pods []PodState `json:"pods"`
	// Ready: at least one repo server pod exists and every one of them is ready.
	Ready bool `json:"ready"`
	// Advice says what to do when not Ready; empty when Ready.
	Advice string `json:"advice,omitempty"`
}

// CheckRepoServerOptions tune CheckRepoServer.
type CheckRepoServerOptions struct {
	// Wait is how long to wait for the pods to become ready (a pod restarting to mount a new
	// Secret takes a while); 0 checks once.
	Wait time.Duration
	// Interval between checks while waiting; default 2s.
	Interval time.Duration
	// Secret names the Secret just written, for the advice.
	Secret string
}

// CheckRepoServer reports whether Argo CD's repo server pods run in the profile's Argo CD
// namespace, and what to do when they do not: the platform's repo server does not start
// while the helm-secrets key Secret is missing, and reads it again only when it restarts.
func CheckRepoServer(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile, o CheckRepoServerOptions) (*RepoServerStatus, error) {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	ns := p.ArgoCD.Namespace
	deadline := time.Now().Add(o.Wait)
	for {
		pods, err := c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: repoServerSelector})
		if err != nil {
			return nil, fmt.Errorf("checking the repo server: %w", c.Explain(err, "list", podsResource, ns, ""))
		}
		st := repoServerStatus(pods.Items, ns, o.Secret)
		if st.Ready || !time.Now().Before(deadline) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, nil
		case <-time.After(o.Interval):
		}
	}
}

func repoServerStatus(pods []corev1.Pod, ns, secret string) *RepoServerStatus {
	st := &RepoServerStatus{Pods: []PodState{}}
	for _, pod := range pods {
		ps := PodState{Name: pod.Name, Phase: string(pod.Status.Phase)}
		for _, cond := range pod.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				ps.Ready = true
			}
		}
		var reasons []string
		for _, cs := range append(append([]corev1.ContainerStatus(nil), pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
			if cs.State.Waiting != nil && cs.State.Waiting.Reason != "" {
				reasons = append(reasons, cs.State.Waiting.Reason)
			}
		}
		ps.Reason = strings.Join(reasons, ", ")
		st.Pods = append(st.Pods, ps)
	}
	st.Ready = len(st.Pods) > 0
	for _, ps := range st.Pods {
		st.Ready = st.Ready && ps.Ready
	}
	if st.Ready {
		return st
	}
	if len(st.Pods) == 0 {
		st.Advice = fmt.Sprintf("no repo server pod (label %s) is visible in namespace %s: if helm-secrets was just enabled, wait a minute and check again with `kubectl -n %s get pods -l %s`; if it stays missing, ask the Platform Administrator whether the repo server is deployed there", repoServerSelector, ns, ns, repoServerSelector)
		return st
	}
	what := "the Secret"
	if secret != "" {
		what = "Secret " + secret
	}
	st.Advice = fmt.Sprintf("the repo server is not ready yet: it starts only once %s exists and reads it when it (re)starts; wait a minute and check `kubectl -n %s get pods -l %s`; if a pod stays in CreateContainerConfigError or ContainerCreating, check the Secret's name and data key against features.helmSecrets of the profile, and ask the Platform Administrator to restart the repo server", what, ns, repoServerSelector)
	return st
}
