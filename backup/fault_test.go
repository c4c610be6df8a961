package backup_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// restartableControlPlane starts a control plane of its own whose API server can be
// stopped and started again with the same address and certificates: the package's shared
// testenv.Env does not expose its API server. Its CertDir is fixed so that envtest keeps the
// serving and client certificates across a restart.
func restartableControlPlane(t *testing.T) (*envtest.Environment, *rest.Config) {
	t.Helper()
	crds, err := testenv.ArgoCDCRDFiles(context.Background())
	require.NoError(t, err)
	e := &envtest.Environment{
		BinaryAssetsDirectory: testenv.BinDir(),
		CRDInstallOptions:     envtest.CRDInstallOptions{Paths: crds, ErrorIfPathMissing: true},
	}
	e.ControlPlane.GetAPIServer().CertDir = t.TempDir()
	cfg, err := e.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Stop() })
	return e, fastConfig(cfg)
}

// stopAt is a Progress that runs stop once, when a restore has done at least n objects.
type stopAt struct {
	n    int
	once sync.Once
	stop func()
	seen atomic.Int64
}

func (s *stopAt) Update(phase string, done, _ int) {
	if phase == "restore" && done >= s.n {
		s.seen.Store(int64(done))
		s.once.Do(func() { go s.stop() })
	}
}

// faultWorld is a backup of a fixture on a control plane of its own, taken and then deleted,
// so that a restore has everything to create while the test stops the API server.
type faultWorld struct {
	apiServer *envtest.APIServer
	c         *argocdmanaged.Clients
	p         argocdmanaged.Profile
	f         *fixture
	st        *store.Store
	id        *age.X25519Identity
	exp       *backup.ExportResult
}

// exportedThenDeleted creates a fixture of the sizes given in namespace ns of a restartable
// control plane, exports it and deletes it again.
func exportedThenDeleted(t *testing.T, ns string, sz sizes) faultWorld {
	t.Helper()
	testenv.Require(t, env)
	ctx := context.Background()
	cp, cfg := restartableControlPlane(t)
	c, err := argocdmanaged.NewClientsForConfig(cfg)
	require.NoError(t, err)
	p := env.Profile.Clone()
	p.ArgoCD.Namespace = ns
	_, err = c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: p.ArgoCD.Namespace}}, metav1.CreateOptions{})
	require.NoError(t, err)
	f := newFixture(t, p, sz)
	createAll(t, c, f.all())
	st := fileStore(t)
	id := newIdentity(t)
	exp, err := backup.Export(ctx, c, st, backup.ExportOptions{Profile: p, Recipients: []string{id.Recipient().String()}})
	require.NoError(t, err)
	deleteAll(t, c, p.ArgoCD.Namespace, allKinds...)
	return faultWorld{apiServer: cp.ControlPlane.GetAPIServer(), c: c, p: p, f: f, st: st, id: id, exp: exp}
}

// restartAPIServer starts the stopped API server again and waits until it answers.
func restartAPIServer(t *testing.T, apiServer *envtest.APIServer, c *argocdmanaged.Clients, ns string) {
	t.Helper()
	require.NoError(t, apiServer.Start())
	require.Eventually(t, func() bool {
		_, err := c.Kube.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
		return err == nil
	}, 60*time.Second, 200*time.Millisecond)
}

// assertRestoredOnce requires every object of f restored, and each kind with as many live
// objects as f has: nothing duplicated or missing.
func assertRestoredOnce(t *testing.T, c *argocdmanaged.Clients, ns string, f *fixture) {
	t.Helper()
	assertRestored(t, c, ns, f)
	for _, kind := range allKinds {
		assert.Len(t, liveObjects(t, c, ns, kind), len(f.byKind(kind)), "nothing duplicated or missing: %s", kind)
	}
}

func TestRestoreInterruptedByAnAPIServerStopFinishesWhenRunAgain(t *testing.T) {
	ctx := context.Background()
	w := exportedThenDeleted(t, "argocd-fault", sizes{apps: 1500, projects: 20, appsets: 10, repos: 20})
	c, p, f, st, id, exp := w.c, w.p, w.f, w.st, w.id, w.exp
	apiServer := w.apiServer
	stopped := make(chan error, 1)
	progress := &stopAt{n: 400, stop: func() { stopped <- apiServer.Stop() }}
	first, err := backup.Restore(ctx, c, st, exp.Name, backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}, Progress: progress})
	require.Error(t, err, "the restore notices the API server is gone")
	require.NoError(t, <-stopped)
	var ce *argocdmanaged.ConnectionError
	assert.True(t, errors.As(err, &ce) || first.Failed > 0, "connection error or failed objects: %v", err)
	assert.Contains(t, err.Error(), "run the same restore again")
	require.NotNil(t, first)
	t.Logf("first run: %d created, %d failed before the API server stopped: %v", first.Created, first.Failed, err)
	assert.Less(t, first.Created, len(f.objects))

	restartAPIServer(t, apiServer, c, p.ArgoCD.Namespace)

	second, err := backup.Restore(ctx, c, st, exp.Name, backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}})
	require.NoError(t, err)
	assert.Equal(t, len(f.objects), second.Created+second.Skipped)
	assert.Positive(t, second.Created)
	assert.GreaterOrEqual(t, second.Skipped, first.Created, "what the first run created is left alone")
	assertRestoredOnce(t, c, p.ArgoCD.Namespace, f)
}

// stopInPhase is a Progress that stops the API server, synchronously, when phase starts.
type stopInPhase struct {
	phase string
	once  sync.Once
	stop  func() error
	err   error
}

func (s *stopInPhase) Update(phase string, _, _ int) {
	if phase == s.phase {
		s.once.Do(func() { s.err = s.stop() })
	}
}

// The API server goes away after the ApplicationSets were applied with their guard and
// before the guard is released: the rerun releases it, duplicates nothing, and leaves every
// object equal to the backup.
func TestRestoreInterruptedBeforeTheGuardIsReleasedConvergesWhenRunAgain(t *testing.T) {
	ctx := context.Background()
	w := exportedThenDeleted(t, "argocd-fault-guard", sizes{apps: 30, projects: 3, appsets: 6, repos: 2})
	c, p, f, st, id, exp := w.c, w.p, w.f, w.st, w.id, w.exp
	apiServer := w.apiServer
	progress := &stopInPhase{phase: "guard", stop: apiServer.Stop}
	_, err := backup.Restore(ctx, c, st, exp.Name, backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}, Progress: progress})
	require.Error(t, err, "the release notices the API server is gone")
	require.NoError(t, progress.err)

	restartAPIServer(t, apiServer, c, p.ArgoCD.Namespace)
	guarded := 0
	for _, a := range liveObjects(t, c, p.ArgoCD.Namespace, "ApplicationSet") {
		if _, ok := a.GetAnnotations()[backup.GuardAnnotation]; ok {
			guarded++
		}
	}
	require.Positive(t, guarded, "the interruption came between the guard and its release")

	second, err := backup.Restore(ctx, c, st, exp.Name, backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}})
	require.NoError(t, err)
	assert.Equal(t, len(f.objects), second.Skipped, "everything was there already")
	assertRestoredOnce(t, c, p.ArgoCD.Namespace, f)
}
