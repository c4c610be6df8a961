package backup_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sync"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

// fastConfig lifts the client-side rate limit: the tests create thousands of objects.
func fastConfig(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 1000, 2000
	return cfg
}

func adminClients(t testing.TB) *argocdmanaged.Clients {
	t.Helper()
	c, err := argocdmanaged.NewClientsForConfig(fastConfig(env.Admin))
	require.NoError(t, err)
	return c
}

// developerClients are the clients of the platform's restricted developer.
func developerClients(t testing.TB) *argocdmanaged.Clients {
	t.Helper()
	c, err := argocdmanaged.NewClientsForConfig(fastConfig(env.Developer))
	require.NoError(t, err)
	return c
}

// argoProfile is the test environment's profile with its own Argo CD namespace, so that
// tests do not see each other's objects.
func argoProfile(t testing.TB) argocdmanaged.Profile {
	t.Helper()
	p := env.Profile.Clone()
	p.ArgoCD.Namespace = env.Namespace(t, "argocd")
	return p
}

var (
	secretsGVR    = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	configMapsGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

func gvrOf(kind string) schema.GroupVersionResource {
	switch kind {
	case "Secret":
		return secretsGVR
	case "ConfigMap":
		return configMapsGVR
	case "AppProject":
		return argocdmanaged.AppProjectsResource
	case "Application":
		return argocdmanaged.ApplicationsResource
	case "ApplicationSet":
		return argocdmanaged.ApplicationSetsResource
	}
	panic("unknown kind " + kind)
}

func obj(apiVersion, kind, ns, name string, fields map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	for k, v := range fields {
		u.Object[k] = v
	}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// parallel runs fn on every item with a few workers and fails the test on the first error.
func parallel[T any](t testing.TB, items []T, fn func(T) error) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	ch := make(chan T)
	for range 16 {
		wg.Go(func() {
			for it := range ch {
				if err := fn(it); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, it := range items {
		ch <- it
	}
	close(ch)
	wg.Wait()
	require.NoError(t, first)
}

func createAll(t testing.TB, c *argocdmanaged.Clients, objs []*unstructured.Unstructured) {
	t.Helper()
	parallel(t, objs, func(u *unstructured.Unstructured) error {
		_, err := c.Dynamic.Resource(gvrOf(u.GetKind())).Namespace(u.GetNamespace()).Create(context.Background(), u, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("creating %s/%s: %w", u.GetKind(), u.GetName(), err)
		}
		return nil
	})
}

// deleteAll removes every object of the kinds in ns, finalizers first, as a disaster would.
func deleteAll(t testing.TB, c *argocdmanaged.Clients, ns string, kinds ...string) {
	t.Helper()
	ctx := context.Background()
	for _, kind := range kinds {
		res := c.Dynamic.Resource(gvrOf(kind)).Namespace(ns)
		list, err := res.List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		var withFinalizers []string
		for _, it := range list.Items {
			if len(it.GetFinalizers()) > 0 {
				withFinalizers = append(withFinalizers, it.GetName())
			}
		}
		parallel(t, withFinalizers, func(name string) error {
			_, err := res.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
			return err
		})
		require.NoError(t, res.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}))
	}
}

func liveObjects(t testing.TB, c *argocdmanaged.Clients, ns, kind string) map[string]*unstructured.Unstructured {
	t.Helper()
	list, err := c.Dynamic.Resource(gvrOf(kind)).Namespace(ns).List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	out := map[string]*unstructured.Unstructured{}
	for i := range list.Items {
		out[list.Items[i].GetName()] = &list.Items[i]
	}
	return out
}

func newIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	return id
}

func fileStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "file://"+t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
