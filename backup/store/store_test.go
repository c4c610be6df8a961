package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

func open(t *testing.T) (*store.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "backups")
	st, err := store.Open(context.Background(), "file://"+dir)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func writeBackup(t *testing.T, st *store.Store, name string) *archive.Manifest {
	t.Helper()
	ctx := context.Background()
	up, err := st.Create(ctx, name)
	require.NoError(t, err)
	w := archive.NewWriter(up, archive.Manifest{Name: name, Created: time.Now().UTC()}, nil, nil)
	require.NoError(t, w.Add("Application", "argocd-system", "a", []byte("kind: Application\n")))
	m, err := w.Close()
	require.NoError(t, err)
	require.NoError(t, up.Commit(ctx, m))
	return m
}

func TestABackupIsListedOnlyOnceCommitted(t *testing.T) {
	ctx := context.Background()
	st, dir := open(t)
	up, err := st.Create(ctx, "argocd-backup-1")
	require.NoError(t, err)
	_, err = up.Write([]byte("partial"))
	require.NoError(t, err)
	list, err := st.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, list, "an upload in progress is not listed")
	up.Abort()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "an aborted upload leaves nothing behind")

	writeBackup(t, st, "argocd-backup-2")
	list, err = st.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "argocd-backup-2", list[0].Name)
	info, err := os.Stat(filepath.Join(dir, "argocd-backup-2"+store.ArchiveSuffix))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "backups are private files")

	// An archive whose manifest copy is missing (a crash between the two writes) is
	// incomplete, not a backup.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "argocd-backup-3"+store.ArchiveSuffix), []byte("x"), 0o600))
	list, err = st.List(ctx)
	require.NoError(t, err)
	assert.Len(t, list, 1)
	inc, err := st.Incomplete(ctx)
	require.NoError(t, err)
	require.Len(t, inc, 1)
	assert.Equal(t, "argocd-backup-3", inc[0].Name)
}

func TestCreateRefusesATakenName(t *testing.T) {
	st, _ := open(t)
	writeBackup(t, st, "argocd-backup-x")
	_, err := st.Create(context.Background(), "argocd-backup-x")
	assert.ErrorContains(t, err, "already exists")
}

func TestStatOpenAndDelete(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	m := writeBackup(t, st, "argocd-backup-y")
	info, err := st.Stat(ctx, "argocd-backup-y")
	require.NoError(t, err)
	assert.Equal(t, m.Objects, info.Manifest.Objects)
	r, err := st.Open(ctx, "argocd-backup-y")
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = buf.ReadFrom(r)
	require.NoError(t, err)
	r.Close()
	assert.EqualValues(t, info.Size, buf.Len())

	require.NoError(t, st.Delete(ctx, "argocd-backup-y"))
	_, err = st.Stat(ctx, "argocd-backup-y")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.Open(ctx, "argocd-backup-y")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestBadNamesAndURLs(t *testing.T) {
	for _, n := range []string{"", "../etc", "a/b", "x.tar.gz", ".hidden", "a..b"} {
		assert.Error(t, store.ValidName(n), n)
	}
	assert.NoError(t, store.ValidName("argocd-backup-20260101T020304Z"))
	_, err := store.Open(context.Background(), "no-scheme")
	assert.ErrorContains(t, err, "invalid store URL")
	_, err = store.Open(context.Background(), "ftp://x")
	assert.Error(t, err)
}

func TestRedactHidesCredentials(t *testing.T) {
	got := store.Redact("s3://bucket?endpoint=http://h&secret_key=abc&region=r")
	assert.NotContains(t, got, "abc")
	assert.Contains(t, got, "region=r")
	assert.NotContains(t, store.Redact("azblob://u:pw@c"), "pw")
}

func TestDefaultURLFollowsXDGDataHome(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data")
	u, err := store.DefaultURL()
	require.NoError(t, err)
	assert.Equal(t, "file:///data/ck8sargo/backups", u)
}

func TestAStoreThatDoesNotAnswerIsUnreachableWithTheNetworkErrorAlone(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "ck8sargo-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "ck8sargo-test-secret")
	for _, tt := range []struct {
		name, endpoint, want string
	}{
		{"nothing listens", "http://" + fixture.ClosedPort(t), "connection refused"},
		{"the name does not resolve", "http://s3.ck8sargo.invalid", "s3.ck8sargo.invalid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, "s3://backups?endpoint="+tt.endpoint+"&use_path_style=true&region=x")
			require.NoError(t, err, "opening sends no request")
			defer st.Close()
			_, listErr := st.List(ctx)
			_, createErr := st.Create(ctx, "argocd-backup-20260101T020304Z")
			for _, err := range []error{listErr, createErr} {
				var unreachable *store.UnreachableError
				require.ErrorAs(t, err, &unreachable)
				assert.Equal(t, st.URL(), unreachable.URL)
				msg := err.Error()
				assert.Contains(t, msg, "cannot reach the store "+st.URL()+": ")
				assert.Contains(t, msg, tt.want)
				assert.NotContains(t, msg, "attempts", "the SDK's retry details are left out")
				assert.NotContains(t, msg, "ck8sargo-test")
			}
		})
	}
}
