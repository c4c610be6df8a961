package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

func backupAt(t *testing.T, st *store.Store, created time.Time) string {
	t.Helper()
	ctx := context.Background()
	name := backup.NamePrefix + created.UTC().Format(backup.NameTimeFormat)
	up, err := st.Create(ctx, name)
	require.NoError(t, err)
	w := archive.NewWriter(up, archive.Manifest{Name: name, Created: created}, nil, nil)
	m, err := w.Close()
	require.NoError(t, err)
	require.NoError(t, up.Commit(ctx, m))
	return name
}

func TestPruneKeepsThirtyDaysAndTheNewestN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "file://"+dir)
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Second)
	old1 := backupAt(t, st, now.Add(-40*24*time.Hour))
	old2 := backupAt(t, st, now.Add(-31*24*time.Hour))
	recent := backupAt(t, st, now.Add(-29*24*time.Hour))
	// An old archive without a manifest that is not a backup: never deleted.
	stale := filepath.Join(dir, "argocd-backup-failed"+store.ArchiveSuffix)
	require.NoError(t, os.WriteFile(stale, []byte("x"), 0o600))
	require.NoError(t, os.Chtimes(stale, time.Now().Add(-48*time.Hour), time.Now().Add(-48*time.Hour)))

	clock := func() time.Time { return now }
	res, err := backup.Prune(ctx, st, backup.PruneOptions{KeepLast: 2, DryRun: true, Now: clock})
	require.NoError(t, err)
	assert.Equal(t, []string{old1}, res.Deleted)
	assert.Equal(t, []string{recent, old2}, res.Kept)
	list, _ := st.List(ctx)
	assert.Len(t, list, 3, "a dry run deletes nothing")

	res, err = backup.Prune(ctx, st, backup.PruneOptions{Now: clock})
	require.NoError(t, err)
	assert.Equal(t, []string{old2, old1}, res.Deleted)
	assert.Empty(t, res.Incomplete)
	assert.Equal(t, []backup.LeftAlone{{Object: "argocd-backup-failed.tar.gz", Reason: "not named like a backup (argocd-backup-<UTC time>), and no manifest beside it"}}, res.LeftAlone)
	list, _ = st.List(ctx)
	require.Len(t, list, 1)
	assert.Equal(t, recent, list[0].Name)
	_, err = os.Stat(stale)
	assert.NoError(t, err)

	_, err = backup.Prune(ctx, st, backup.PruneOptions{KeepLast: -1})
	assert.Error(t, err)
}
