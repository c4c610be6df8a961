package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

func appYAML(name string) []byte {
	return fmt.Appendf(nil, "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: %s\n  namespace: argocd-system\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.com/shop.git\n    path: deploy\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: shop\n", name)
}

// writeBackup writes backup name with two Applications to st, signed with signer when not
// nil, and returns its archive's path in dir.
func writeBackup(t testing.TB, st *store.Store, name string, signer *age.X25519Identity, apps ...string) {
	t.Helper()
	ctx := context.Background()
	up, err := st.Create(ctx, name)
	require.NoError(t, err)
	w := archive.NewWriter(up, archive.Manifest{Name: name, Created: time.Now().UTC(), Namespace: "argocd-system"}, nil, nil)
	if signer != nil {
		w.Sign(signer)
	}
	for _, a := range apps {
		require.NoError(t, w.Add("Application", "argocd-system", a, appYAML(a)))
	}
	m, err := w.Close()
	require.NoError(t, err)
	require.NoError(t, up.Commit(ctx, m))
}

// tamperedStore is a store directory with backups A and B (signed by the team key) and U
// (unsigned), to which one tampering is applied.
type tamperedStore struct {
	dir  string
	st   *store.Store
	team *age.X25519Identity
}

const (
	nameA = "argocd-backup-20260101T000000Z"
	nameB = "argocd-backup-20260102T000000Z"
	nameU = "argocd-backup-20260103T000000Z"
)

func newTamperedStore(t *testing.T) *tamperedStore {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), "file://"+dir)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ts := &tamperedStore{dir: dir, st: st, team: newIdentity(t)}
	writeBackup(t, st, nameA, ts.team, "shop", "cart")
	writeBackup(t, st, nameB, ts.team, "billing")
	writeBackup(t, st, nameU, nil, "shop", "cart")
	return ts
}

func (ts *tamperedStore) path(name, suffix string) string { return filepath.Join(ts.dir, name+suffix) }

func (ts *tamperedStore) read(t *testing.T, name, suffix string) []byte {
	t.Helper()
	b, err := os.ReadFile(ts.path(name, suffix))
	require.NoError(t, err)
	return b
}

func (ts *tamperedStore) write(t *testing.T, name, suffix string, data []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(ts.path(name, suffix), data, 0o600))
}

// editApp changes an Application of backup name and recomputes its checksum in the
// archive's manifest and in the copy beside it, keeping their encoding: all an attacker
// with write access to the store and without the key can do.
func (ts *tamperedStore) editApp(t *testing.T, name, app string) {
	t.Helper()
	names, files := tarEntries(t, ts.read(t, name, store.ArchiveSuffix))
	p := archive.EntryPath("Application", app, false)
	old := sha256.Sum256(files[p])
	files[p] = bytes.Replace(files[p], []byte("path: deploy"), []byte("path: evil!!"), 1)
	sum := sha256.Sum256(files[p])
	files[archive.ManifestPath] = bytes.Replace(files[archive.ManifestPath], []byte(hex.EncodeToString(old[:])), []byte(hex.EncodeToString(sum[:])), 1)
	ts.write(t, name, store.ArchiveSuffix, tarGz(t, names, files))
	ts.write(t, name, store.ManifestSuffix, files[archive.ManifestPath])
}

// Every tampering here passed `backup verify` before the archive was bound to its name and
// manifest copy, read to the end of its gzip stream, and signed.
func TestVerifyCatchesEachTampering(t *testing.T) {
	p := argocdmanaged.DefaultProfile()
	cut := func(by int) func(t *testing.T, ts *tamperedStore) {
		return func(t *testing.T, ts *tamperedStore) {
			a := ts.read(t, nameA, store.ArchiveSuffix)
			ts.write(t, nameA, store.ArchiveSuffix, a[:len(a)-by])
		}
	}
	flipAt := func(fromEnd int) func(t *testing.T, ts *tamperedStore) {
		return func(t *testing.T, ts *tamperedStore) {
			a := ts.read(t, nameA, store.ArchiveSuffix)
			a[len(a)-fromEnd] ^= 0x01
			ts.write(t, nameA, store.ArchiveSuffix, a)
		}
	}
	tests := []struct {
		name    string
		tamper  func(t *testing.T, ts *tamperedStore)
		require bool
		key     func(ts *tamperedStore) []age.Identity
		want    []error
	}{
		{name: "B's archive and manifest copied over A's (swapped names)", tamper: func(t *testing.T, ts *tamperedStore) {
			ts.write(t, nameA, store.ArchiveSuffix, ts.read(t, nameB, store.ArchiveSuffix))
			ts.write(t, nameA, store.ManifestSuffix, ts.read(t, nameB, store.ManifestSuffix))
		}, want: []error{archive.ErrNameMismatch}},
		{name: "B's archive beside A's manifest copy", tamper: func(t *testing.T, ts *tamperedStore) {
			ts.write(t, nameA, store.ArchiveSuffix, ts.read(t, nameB, store.ArchiveSuffix))
		}, want: []error{archive.ErrNameMismatch}},
		{name: "B's manifest copy beside A's archive (swapped manifests)", tamper: func(t *testing.T, ts *tamperedStore) {
			ts.write(t, nameA, store.ManifestSuffix, ts.read(t, nameB, store.ManifestSuffix))
		}, want: []error{archive.ErrManifestMismatch}},
		{name: "the manifest copy edited", tamper: func(t *testing.T, ts *tamperedStore) {
			ts.write(t, nameA, store.ManifestSuffix, bytes.Replace(ts.read(t, nameA, store.ManifestSuffix), []byte(`"counts"`), []byte(`"counts" `), 1))
		}, want: []error{archive.ErrManifestMismatch}},
		{name: "truncated by 1 byte", tamper: cut(1), want: []error{archive.ErrTruncated, archive.ErrCorrupt}},
		{name: "truncated by 4 bytes", tamper: cut(4), want: []error{archive.ErrTruncated}},
		{name: "truncated by the 8-byte trailer", tamper: cut(8), want: []error{archive.ErrTruncated}},
		{name: "truncated by 100 bytes", tamper: cut(100), want: []error{archive.ErrTruncated}},
		{name: "a CRC-32 byte flipped", tamper: flipAt(8), want: []error{archive.ErrCorrupt}},
		{name: "a size byte flipped", tamper: flipAt(1), want: []error{archive.ErrCorrupt}},
		{name: "garbage appended", tamper: func(t *testing.T, ts *tamperedStore) {
			ts.write(t, nameA, store.ArchiveSuffix, append(ts.read(t, nameA, store.ArchiveSuffix), "trailing garbage"...))
		}, want: []error{archive.ErrCorrupt}},
		{name: "an object edited with its checksum recomputed", tamper: func(t *testing.T, ts *tamperedStore) { ts.editApp(t, nameA, "cart") },
			want: []error{archive.ErrBadSignature}},
		{name: "unsigned when a signature is required", require: true, tamper: func(t *testing.T, ts *tamperedStore) {
			ts.write(t, nameA, store.ArchiveSuffix, ts.read(t, nameU, store.ArchiveSuffix))
			ts.write(t, nameA, store.ManifestSuffix, bytes.ReplaceAll(ts.read(t, nameU, store.ManifestSuffix), []byte(nameU), []byte(nameA)))
			ts.editApp(t, nameA, "cart")
			// The name inside too, so that only the missing signature tells.
			names, files := tarEntries(t, ts.read(t, nameA, store.ArchiveSuffix))
			files[archive.ManifestPath] = bytes.ReplaceAll(files[archive.ManifestPath], []byte(nameU), []byte(nameA))
			ts.write(t, nameA, store.ArchiveSuffix, tarGz(t, names, files))
			ts.write(t, nameA, store.ManifestSuffix, files[archive.ManifestPath])
		}, want: []error{archive.ErrUnsigned}},
		{name: "checked with a wrong key", require: true, tamper: func(*testing.T, *tamperedStore) {},
			key: func(*tamperedStore) []age.Identity { return []age.Identity{newIdentity(t)} }, want: []error{archive.ErrBadSignature}},
		{name: "required without the key", require: true, tamper: func(*testing.T, *tamperedStore) {},
			key: func(*tamperedStore) []age.Identity { return nil }, want: []error{archive.ErrBadSignature}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTamperedStore(t)
			ids := []age.Identity{ts.team}
			if tt.key != nil {
				ids = tt.key(ts)
			}
			res, err := backup.Verify(context.Background(), ts.st, nameA, backup.VerifyOptions{Profile: p, Identities: []age.Identity{ts.team}, RequireSignature: true})
			require.NoError(t, err, "before the tampering, with the team key")
			require.True(t, res.OK())
			tt.tamper(t, ts)
			_, err = backup.Verify(context.Background(), ts.st, nameA, backup.VerifyOptions{Profile: p, Identities: ids, RequireSignature: tt.require})
			for _, want := range tt.want {
				assert.ErrorIs(t, err, want)
			}
			if err != nil {
				assert.NotContains(t, err.Error(), ts.team.String(), "the key is never in an error")
			}
			// A restore refuses it before it reads the cluster (no clients are needed).
			_, err = backup.Restore(context.Background(), nil, ts.st, nameA, backup.RestoreOptions{Profile: p, Identities: ids, RequireSignature: tt.require})
			assert.ErrorIs(t, err, tt.want[0], "restore")
		})
	}
}

func TestVerifyReportsTheSignature(t *testing.T) {
	ts := newTamperedStore(t)
	p := argocdmanaged.DefaultProfile()
	ctx := context.Background()
	res, err := backup.Verify(ctx, ts.st, nameA, backup.VerifyOptions{Profile: p, Identities: []age.Identity{ts.team}, RequireSignature: true})
	require.NoError(t, err)
	assert.True(t, res.Signed)
	assert.True(t, res.SignatureChecked)
	assert.Equal(t, ts.team.Recipient().String(), res.SignedBy)

	res, err = backup.Verify(ctx, ts.st, nameA, backup.VerifyOptions{Profile: p})
	require.NoError(t, err)
	assert.True(t, res.Signed)
	assert.False(t, res.SignatureChecked, "without the key the signature is not checked")

	res, err = backup.Verify(ctx, ts.st, nameU, backup.VerifyOptions{Profile: p, Identities: []age.Identity{ts.team}})
	require.NoError(t, err)
	assert.False(t, res.Signed)
	// Unsigned, an edit with recomputed checksums is not detectable: that is what signing is for.
	ts.editApp(t, nameU, "cart")
	_, err = backup.Verify(ctx, ts.st, nameU, backup.VerifyOptions{Profile: p})
	assert.NoError(t, err)
}
