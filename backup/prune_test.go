package backup_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

func gzipOf(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	_, err := gz.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// pruneScenario fills a shared bucket with the team's backups under prefix team/ and with
// objects the team did not write, runs a prune, and checks that only the team's old
// backups and its failed upload went. raw is the whole bucket, without the prefix.
func pruneScenario(t *testing.T, raw *blob.Bucket, storeURL string) {
	ctx := context.Background()
	st, err := store.Open(ctx, storeURL)
	require.NoError(t, err)
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Second)
	day := 24 * time.Hour

	old := backupAt(t, st, now.Add(-40*day))
	recent := backupAt(t, st, now.Add(-2*day))
	swapped := backupAt(t, st, now.Add(-35*day))
	other := backupAt(t, st, now.Add(-36*day))
	failed := backupAt(t, st, now.Add(-3*day))
	// The failed upload: its manifest copy was never written.
	require.NoError(t, raw.Delete(ctx, "team/"+failed+store.ManifestSuffix))

	read := func(key string) []byte {
		b, err := raw.ReadAll(ctx, key)
		require.NoError(t, err)
		return b
	}
	put := func(key string, data []byte) {
		require.NoError(t, raw.WriteAll(ctx, key, data, nil))
	}
	// Another backup's archive under the name of an old one.
	put("team/"+swapped+store.ArchiveSuffix, read("team/"+other+store.ArchiveSuffix))
	oldManifest := read("team/" + old + store.ManifestSuffix)
	strangers := map[string][]byte{
		// Somebody's archive without a manifest, named freely or like a backup.
		"team/holiday-photos.tar.gz":                 gzipOf(t, "photos"),
		"team/argocd-backup-20200101T000000Z.tar.gz": gzipOf(t, "not a backup"),
		// A backup's manifest copied beside a stranger's archive of another name.
		"team/release.tar.gz":        gzipOf(t, "release"),
		"team/release.manifest.json": oldManifest,
		// The same under a backup name: the manifest names another backup.
		"team/argocd-backup-20200202T000000Z.tar.gz":        gzipOf(t, "x"),
		"team/argocd-backup-20200202T000000Z.manifest.json": oldManifest,
		// An old backup of another team, outside the prefix.
		old + store.ArchiveSuffix:  read("team/" + old + store.ArchiveSuffix),
		old + store.ManifestSuffix: oldManifest,
	}
	// A stranger's archive with a manifest copy that names it, but is not its manifest.
	fake := "argocd-backup-" + now.Add(-50*day).Format(backup.NameTimeFormat)
	strangers["team/"+fake+store.ArchiveSuffix] = gzipOf(t, "x")
	strangers["team/"+fake+store.ManifestSuffix] = bytes.ReplaceAll(oldManifest, []byte(old), []byte(fake))
	for k, v := range strangers {
		put(k, v)
	}
	// Two days on, the failed upload is past the grace period.
	clock := func() time.Time { return now.Add(2 * day) }

	dry, err := backup.Prune(ctx, st, backup.PruneOptions{DryRun: true, Now: clock})
	require.NoError(t, err)
	res, err := backup.Prune(ctx, st, backup.PruneOptions{Now: clock})
	require.NoError(t, err)
	dry.DryRun = false
	assert.Equal(t, res, dry, "a dry run lists exactly what goes")

	assert.ElementsMatch(t, []string{old, other}, res.Deleted)
	assert.Equal(t, []string{recent}, res.Kept)
	assert.Equal(t, []string{failed}, res.Incomplete)
	var left []string
	for _, l := range res.LeftAlone {
		left = append(left, l.Object)
		assert.NotEmpty(t, l.Reason)
	}
	assert.ElementsMatch(t, []string{
		"holiday-photos.tar.gz", "argocd-backup-20200101T000000Z.tar.gz", "release.tar.gz",
		"argocd-backup-20200202T000000Z.tar.gz", fake + store.ArchiveSuffix, swapped + store.ArchiveSuffix,
	}, left)

	for k, v := range strangers {
		got, err := raw.ReadAll(ctx, k)
		if assert.NoError(t, err, "%s is still there", k) {
			assert.Equal(t, v, got, k)
		}
	}
	for _, gone := range []string{old, other, failed} {
		for _, suffix := range []string{store.ArchiveSuffix, store.ManifestSuffix} {
			ok, err := raw.Exists(ctx, "team/"+gone+suffix)
			require.NoError(t, err)
			assert.False(t, ok, "%s%s is deleted", gone, suffix)
		}
	}
	ok, err := raw.Exists(ctx, "team/"+swapped+store.ArchiveSuffix)
	require.NoError(t, err)
	assert.True(t, ok, "a backup whose archive was swapped is left for a human")
}

// Before the fix, prune deleted every old *.tar.gz without a manifest (a stranger's file
// included) and every old NAME.tar.gz with some manifest beside it.
func TestPruneDeletesOnlyWhatAnExportWrote(t *testing.T) {
	dir := t.TempDir()
	raw, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite, CreateDir: true})
	require.NoError(t, err)
	defer raw.Close()
	pruneScenario(t, raw, "file://"+dir+"?prefix=team/")
}

func TestPruneDeletesOnlyWhatAnExportWroteOnS3(t *testing.T) {
	url := startS3(t)
	ctx := context.Background()
	raw, err := blob.OpenBucket(ctx, strings.Replace(url, "&prefix=team/", "", 1))
	require.NoError(t, err)
	defer raw.Close()
	pruneScenario(t, raw, url)
}

func TestIsBackupName(t *testing.T) {
	for name, want := range map[string]bool{
		"argocd-backup-20260101T020304Z":     true,
		"argocd-backup-20261301T020304Z":     false,
		"argocd-backup-20260101T020304Z.old": false,
		"argocd-backup-":                     false,
		"release":                            false,
		"bench-1":                            false,
	} {
		assert.Equal(t, want, backup.IsBackupName(name), name)
	}
}
