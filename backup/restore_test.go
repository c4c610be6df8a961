package backup_test

import (
	"context"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// team is a small team's objects in their own namespace, exported once.
type team struct {
	c    *argocdmanaged.Clients
	p    argocdmanaged.Profile
	ns   string
	f    *fixture
	st   *store.Store
	name string
	id   *age.X25519Identity
}

func exported(t *testing.T) *team {
	t.Helper()
	tm := &team{c: adminClients(t), p: argoProfile(t), st: fileStore(t), id: newIdentity(t)}
	tm.ns = tm.p.ArgoCD.Namespace
	tm.f = newFixture(t, tm.p, sizes{apps: 6, projects: 2, appsets: 2, repos: 2})
	createAll(t, tm.c, tm.f.all())
	exp, err := backup.Export(context.Background(), tm.c, tm.st, backup.ExportOptions{Profile: tm.p, Recipients: []string{tm.id.Recipient().String()}})
	require.NoError(t, err)
	tm.name = exp.Name
	return tm
}

func (tm *team) restore(o backup.RestoreOptions) (*backup.RestoreResult, error) {
	o.Profile = tm.p
	o.Identities = []age.Identity{tm.id}
	return backup.Restore(context.Background(), tm.c, tm.st, tm.name, o)
}

func patchApp(t *testing.T, c *argocdmanaged.Clients, ns, name, patch string) {
	t.Helper()
	_, err := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	require.NoError(t, err)
}

func getApp(t *testing.T, c *argocdmanaged.Clients, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	require.NoError(t, err)
	return u
}

func TestRestoreLeavesExistingObjectsAloneUnlessOverwrite(t *testing.T) {
	testenv.Require(t, env)
	tm := exported(t)
	c, ns, restore := tm.c, tm.ns, tm.restore
	patchApp(t, c, ns, "app-00001", `{"spec":{"source":{"targetRevision":"broken"}}}`)

	res, err := restore(backup.RestoreOptions{})
	require.NoError(t, err)
	assert.Zero(t, res.Created+res.Updated)
	assert.Equal(t, "broken", nestedString(getApp(t, c, ns, "app-00001"), "spec", "source", "targetRevision"))

	res, err = restore(backup.RestoreOptions{Only: []string{"application/app-00001"}, Overwrite: true})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Updated)
	require.Len(t, res.Objects, 1)
	assert.Equal(t, backup.ObjectResult{Kind: "Application", Name: "app-00001", Action: backup.ActionUpdated, Message: "pending operation removed"}, res.Objects[0])
	app := getApp(t, c, ns, "app-00001")
	assert.Equal(t, "main", nestedString(app, "spec", "source", "targetRevision"))
	assert.NotContains(t, app.Object, "operation")
	var managers []string
	for _, mf := range app.GetManagedFields() {
		managers = append(managers, mf.Manager+"/"+string(mf.Operation))
	}
	assert.Contains(t, managers, argocdmanaged.DefaultFieldManager+"/Apply")
}

func TestRestoreDryRunChangesNothing(t *testing.T) {
	testenv.Require(t, env)
	tm := exported(t)
	c, ns, restore := tm.c, tm.ns, tm.restore
	deleteAll(t, c, ns, "Application")
	for _, mode := range []argocdmanaged.DryRun{argocdmanaged.DryRunClient, argocdmanaged.DryRunServer} {
		res, err := restore(backup.RestoreOptions{DryRun: mode})
		require.NoError(t, err, mode)
		assert.Equal(t, 6, res.Created, mode)
		assert.Equal(t, mode, res.DryRun)
		assert.Empty(t, liveObjects(t, c, ns, "Application"), mode)
	}
}

func TestRestorePruneRemovesTheResourcesFinalizerFirstAndOnlyAfterConfirmation(t *testing.T) {
	testenv.Require(t, env)
	tm := exported(t)
	c, ns, restore := tm.c, tm.ns, tm.restore
	extra := obj(argocdmanaged.APIVersion, "Application", ns, "added-after-backup", map[string]any{"spec": map[string]any{
		"project": "default", "source": map[string]any{"repoURL": "https://x", "path": "."},
		"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
	}})
	extra.SetFinalizers([]string{"resources-finalizer.argocd.argoproj.io", "example.com/keep-me"})
	createAll(t, c, []*unstructured.Unstructured{extra})

	var asked []string
	res, err := restore(backup.RestoreOptions{Prune: true, ConfirmPrune: func(_ context.Context, refs []string) (bool, error) {
		asked = refs
		return false, nil
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"Application/added-after-backup"}, asked, "out-of-scope objects are never pruned")
	assert.Zero(t, res.Deleted)
	assert.NotEmpty(t, res.Warnings)
	getApp(t, c, ns, "added-after-backup")

	_, err = restore(backup.RestoreOptions{Prune: true})
	require.ErrorContains(t, err, "needs confirmation")

	res, err = restore(backup.RestoreOptions{Prune: true, ConfirmPrune: func(context.Context, []string) (bool, error) { return true, nil }})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Deleted)
	// Another controller's finalizer stays, so the object waits for it; Argo CD's is gone,
	// so no workload is deleted by cascade.
	app := getApp(t, c, ns, "added-after-backup")
	assert.Equal(t, []string{"example.com/keep-me"}, app.GetFinalizers())
	assert.NotNil(t, app.GetDeletionTimestamp())
	patchApp(t, c, ns, "added-after-backup", `{"metadata":{"finalizers":null}}`)
	_, err = c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).Get(context.Background(), "added-after-backup", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err))
}

func TestRestoreOnlyRefusesNamesNotInTheBackup(t *testing.T) {
	testenv.Require(t, env)
	restore := exported(t).restore
	_, err := restore(backup.RestoreOptions{Only: []string{"application/nope"}})
	assert.ErrorContains(t, err, "no such object")
	var missing *backup.ObjectNotInBackupError
	require.ErrorAs(t, err, &missing)
	assert.Equal(t, "Application/nope", missing.Ref)
	_, err = restore(backup.RestoreOptions{Only: []string{"namespace/kube-system"}})
	var invalid *backup.InvalidObjectRefError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "namespace/kube-system", invalid.Ref)
	assert.ErrorContains(t, err, "use KIND/NAME")
}

func TestRestoreOptionsValidateNamesNoFlag(t *testing.T) {
	tests := []struct {
		name string
		opts backup.RestoreOptions
		is   error
		as   any
	}{
		{"prune with only", backup.RestoreOptions{Prune: true, Only: []string{"application/a"}}, backup.ErrPruneWithOnly, nil},
		{"a bad dry-run mode", backup.RestoreOptions{DryRun: "all"}, nil, new(*backup.InvalidDryRunError)},
		{"a kind out of scope", backup.RestoreOptions{Only: []string{"pod/a"}}, nil, new(*backup.InvalidObjectRefError)},
		{"no name", backup.RestoreOptions{Only: []string{"application/"}}, nil, new(*backup.InvalidObjectRefError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			require.Error(t, err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			if tt.as != nil {
				assert.ErrorAs(t, err, tt.as)
			}
			assert.NotContains(t, err.Error(), "--", "a library error names no CLI flag")
		})
	}
	assert.NoError(t, backup.RestoreOptions{DryRun: argocdmanaged.DryRunServer, Only: []string{"Applications/shop", "appproject/default"}}.Validate())
}

func TestDiffShowsFieldsAndHidesSecretValues(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	tm := exported(t)
	c, p, ns, name, id := tm.c, tm.p, tm.ns, tm.name, tm.id
	patchApp(t, c, ns, "app-00002", `{"spec":{"source":{"targetRevision":"v2"}}}`)
	_, err := c.Kube.CoreV1().Secrets(ns).Patch(ctx, "repo-0000", types.MergePatchType, []byte(`{"stringData":{"password":"new-password-value"}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	deleteOne(t, c, ns, "Application", "app-00003")

	live, _, err := backup.LoadLive(ctx, c, p)
	require.NoError(t, err)
	from, err := backup.LoadBackup(ctx, tm.st, name, []age.Identity{id})
	require.NoError(t, err)
	d := backup.Diff(from, live)
	assert.Equal(t, 2, d.Changed)
	assert.Equal(t, 1, d.Removed)
	byRef := map[string]backup.ObjectDiff{}
	for _, od := range d.Objects {
		byRef[od.Kind+"/"+od.Name] = od
	}
	assert.Equal(t, []backup.FieldChange{{Path: "spec.source.targetRevision", From: `"main"`, To: `"v2"`}}, byRef["Application/app-00002"].Fields)
	assert.Equal(t, []backup.FieldChange{{Path: "data.password", From: "(hidden)", To: "(hidden)"}}, byRef["Secret/repo-0000"].Fields)
	assert.Equal(t, backup.ChangeRemoved, byRef["Application/app-00003"].Change)

	sealed, err := backup.LoadBackup(ctx, tm.st, name, nil)
	require.NoError(t, err)
	d = backup.Diff(sealed, live)
	assert.Equal(t, backup.ChangeNotCompared, findDiff(d, "Secret/repo-0000").Change)
}

func nestedString(u *unstructured.Unstructured, path ...string) string {
	s, _, _ := unstructured.NestedString(u.Object, path...)
	return s
}

func deleteOne(t *testing.T, c *argocdmanaged.Clients, ns, kind, name string) {
	t.Helper()
	res := c.Dynamic.Resource(gvrOf(kind)).Namespace(ns)
	_, err := res.Patch(context.Background(), name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	require.NoError(t, res.Delete(context.Background(), name, metav1.DeleteOptions{}))
}

func findDiff(d *backup.DiffResult, ref string) backup.ObjectDiff {
	for _, od := range d.Objects {
		if od.Kind+"/"+od.Name == ref {
			return od
		}
	}
	return backup.ObjectDiff{}
}
