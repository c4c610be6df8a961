package backup_test

import (
	"context"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// A restore whose generated Applications do not come back in time leaves its guard, says
// so, and Finish puts the backed-up spec back once they exist.
func TestAnInterruptedGuardIsReleasedByFinish(t *testing.T) {
	testenv.Require(t, env)
	tm := exported(t) // appset-001 has no policy and generated app-00001
	ctx := context.Background()
	deleteAll(t, tm.c, tm.ns, allKinds...)
	opts := backup.RestoreOptions{Profile: tm.p, Identities: []age.Identity{tm.id}, GuardTimeout: time.Second}

	// Only the ApplicationSet: the Application it generated is not there.
	opts.Only = []string{"appset/appset-001"}
	res, err := backup.Restore(ctx, tm.c, tm.st, tm.name, opts)
	require.ErrorIs(t, err, backup.ErrGuardPending)
	assert.Contains(t, err.Error(), "ApplicationSet/appset-001 waits for app-00001")
	require.NotNil(t, res)
	live := liveObjects(t, tm.c, tm.ns, "ApplicationSet")["appset-001"]
	require.NotNil(t, live)
	assert.Contains(t, live.GetAnnotations(), backup.GuardAnnotation)
	policy, _, _ := unstructured.NestedString(live.Object, "spec", "syncPolicy", "applicationsSync")
	assert.Equal(t, "create-update", policy)

	opts.Only = []string{"app/app-00001"}
	_, err = backup.Restore(ctx, tm.c, tm.st, tm.name, opts)
	require.NoError(t, err)

	opts.Only = nil
	fin, err := backup.Finish(ctx, tm.c, tm.st, tm.name, opts)
	require.NoError(t, err)
	require.Len(t, fin.Objects, 1)
	assert.Contains(t, fin.Objects[0].Message, "guard released")
	live = liveObjects(t, tm.c, tm.ns, "ApplicationSet")["appset-001"]
	want := tm.f.byKind("ApplicationSet")["appset-001"]
	assert.Equal(t, want.Object["spec"], live.Object["spec"])
	assert.Equal(t, want.GetAnnotations(), live.GetAnnotations())

	// Finishing again changes nothing.
	fin, err = backup.Finish(ctx, tm.c, tm.st, tm.name, opts)
	require.NoError(t, err)
	assert.Empty(t, fin.Objects)
}
