package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

var anchors = schema.GroupVersionResource{Group: "hnc.x-k8s.io", Version: "v1alpha2", Resource: "subnamespaceanchors"}

// playPlatform does, in the background, what HNC and the platform's job do for a
// subnamespace: it creates the namespace of every new SubnamespaceAnchor in the tenant
// namespaces, and a few seconds later lists it in Argo CD's cluster Secret.
func playPlatform(ctx context.Context, env *testenv.Env) error {
	dyn, err := dynamic.NewForConfig(env.Admin)
	if err != nil {
		return err
	}
	go func() {
		done := map[string]bool{}
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for _, parent := range testenv.TenantNamespaces {
				list, err := dyn.Resource(anchors).Namespace(parent).List(ctx, metav1.ListOptions{})
				if err != nil {
					continue
				}
				for _, a := range list.Items {
					child := a.GetName()
					if done[child] {
						continue
					}
					done[child] = true
					go adopt(ctx, env, parent, child)
				}
			}
		}
	}()
	return nil
}

func adopt(ctx context.Context, env *testenv.Env, parent, child string) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: child, Labels: map[string]string{parent + ".tree.hnc.x-k8s.io/depth": "1"},
		Annotations: map[string]string{"hnc.x-k8s.io/subnamespace-of": parent}}}
	if _, err := env.AdminClient.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		fmt.Printf("   [platform] creating namespace %s: %v\n", child, err)
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(3 * time.Second):
	}
	secrets := env.AdminClient.CoreV1().Secrets(env.Profile.ArgoCD.Namespace)
	s, err := secrets.Get(ctx, testenv.ClusterSecretName, metav1.GetOptions{})
	if err != nil {
		return
	}
	names := strings.Split(string(s.Data["namespaces"]), ",")
	if !slices.Contains(names, child) {
		s.Data["namespaces"] = []byte(strings.Join(append(names, child), ","))
		if _, err := secrets.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			fmt.Printf("   [platform] listing %s in the cluster Secret: %v\n", child, err)
		}
	}
}
