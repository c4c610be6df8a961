package backup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

var allKinds = archive.Kinds

// assertRestored checks that every in-scope object of f is live with the same spec, data,
// labels, annotations and finalizers (an ApplicationSet's guard released: its spec as
// backed up, no guard annotation), without operation, and that nothing out of scope came
// back.
func assertRestored(t *testing.T, c *argocdmanaged.Clients, ns string, f *fixture) {
	t.Helper()
	for _, kind := range allKinds {
		want := f.byKind(kind)
		got := liveObjects(t, c, ns, kind)
		for name, w := range want {
			g, ok := got[name]
			if !assert.Truef(t, ok, "%s/%s not restored", kind, name) {
				continue
			}
			for _, field := range []string{"spec", "data", "type"} {
				wv, wok := w.Object[field]
				if wok || field != "type" {
					assert.Equalf(t, wv, g.Object[field], "%s/%s %s", kind, name, field)
				}
			}
			assert.Equalf(t, w.GetLabels(), g.GetLabels(), "%s/%s labels", kind, name)
			assert.Equalf(t, w.GetAnnotations(), g.GetAnnotations(), "%s/%s annotations", kind, name)
			assert.Equalf(t, w.GetFinalizers(), g.GetFinalizers(), "%s/%s finalizers", kind, name)
			assert.NotContainsf(t, g.Object, "operation", "%s/%s has an operation", kind, name)
			assert.NotContainsf(t, g.Object, "status", "%s/%s has a status", kind, name)
		}
		for _, o := range f.outOfScope {
			if o.GetKind() == kind {
				assert.NotContainsf(t, got, o.GetName(), "out-of-scope %s/%s was restored", kind, o.GetName())
			}
		}
	}
}

func TestRoundTripRestoresEveryObjectEqualWithoutOperation(t *testing.T) {
	testenv.Require(t, env)
	n := sizes{apps: 2000, projects: 200, appsets: 50, repos: 100}
	if testing.Short() {
		n = sizes{apps: 20, projects: 5, appsets: 5, repos: 5}
	}
	roundTrip(t, fileStore(t), n)
}

func roundTrip(t *testing.T, st *store.Store, n sizes) {
	ctx := context.Background()
	c := adminClients(t)
	p := argoProfile(t)
	ns := p.ArgoCD.Namespace
	f := newFixture(t, p, n)
	start := time.Now()
	createAll(t, c, f.all())
	t.Logf("created %d objects in %s", len(f.all()), time.Since(start))

	id := newIdentity(t)
	start = time.Now()
	exp, err := backup.Export(ctx, c, st, backup.ExportOptions{Profile: p, Recipients: []string{id.Recipient().String()}})
	require.NoError(t, err)
	t.Logf("exported %d objects in %s", exp.Objects, time.Since(start))
	assert.Equal(t, len(f.objects), exp.Objects)
	assert.Equal(t, n.apps, exp.Counts["Application"])
	assert.Equal(t, n.repos+1, exp.Counts["Secret"])
	assert.True(t, exp.Encrypted)
	assert.Len(t, exp.Excluded, 2, "the nobackup Secret and Application are excluded by label")

	deleteAll(t, c, ns, allKinds...)
	for _, kind := range allKinds {
		require.Empty(t, liveObjects(t, c, ns, kind), kind)
	}

	start = time.Now()
	res, err := backup.Restore(ctx, c, st, exp.Name, backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}})
	require.NoError(t, err)
	t.Logf("restored %d objects in %s", res.Created, time.Since(start))
	assert.Equal(t, len(f.objects), res.Created)
	assert.Zero(t, res.Updated+res.Skipped+res.Failed+res.Deleted)
	for _, o := range res.Objects {
		if o.Kind == "ApplicationSet" && !strings.Contains(o.Message, "guard released") {
			_, hasPolicy := f.byKind("ApplicationSet")[o.Name].Object["spec"].(map[string]any)["syncPolicy"]
			assert.Truef(t, hasPolicy, "ApplicationSet/%s without a policy was not guarded and released: %q", o.Name, o.Message)
		}
	}
	assertRestored(t, c, ns, f)

	// Idempotent: a second run leaves everything alone.
	again, err := backup.Restore(ctx, c, st, exp.Name, backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}})
	require.NoError(t, err)
	assert.Equal(t, len(f.objects), again.Skipped)
	assert.Zero(t, again.Created+again.Updated+again.Failed)
}
