package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup/archive"
)

// signedArchive writes an archive named name, signed with signer when not nil.
func signedArchive(t testing.TB, name string, signer *age.X25519Identity, objects ...[3]string) ([]byte, *archive.Manifest) {
	t.Helper()
	var buf bytes.Buffer
	w := archive.NewWriter(&buf, archive.Manifest{Name: name, Created: time.Unix(1700000000, 0).UTC(), Namespace: "argocd-system"}, nil, nil)
	if signer != nil {
		w.Sign(signer)
	}
	for _, o := range objects {
		require.NoError(t, w.Add(o[0], "argocd-system", o[1], []byte(o[2])))
	}
	m, err := w.Close()
	require.NoError(t, err)
	return buf.Bytes(), m
}

var twoApps = [][3]string{{"Application", "a", "kind: Application\nname: a\n"}, {"Application", "b", "kind: Application\nname: b\n"}}

// Each of these was accepted before the reader went on to the end of the gzip stream: the
// tar stream ends before the gzip trailer, which was never read.
func TestVerifyReadsTheGzipStreamToItsVerifiedEnd(t *testing.T) {
	good, _ := signedArchive(t, "a", nil, twoApps...)
	n := len(good)
	var second bytes.Buffer
	gz := gzip.NewWriter(&second)
	_, _ = gz.Write([]byte("another member"))
	_ = gz.Close()

	cut := func(at int) []byte { return bytes.Clone(good[:at]) }
	tests := []struct {
		name      string
		data      []byte
		truncated bool
	}{
		{"cut by one byte", cut(n - 1), true},
		{"cut by four bytes (the size)", cut(n - 4), true},
		{"cut by the whole trailer", cut(n - 8), true},
		{"cut into the last deflate block", cut(n - 9), true},
		{"cut in the middle", cut(n / 2), true},
		{"cut after the gzip header", cut(10), true},
		{"cut inside the gzip header", cut(5), true},
		{"CRC-32 byte 1 flipped", flip(good, n-8), false},
		{"CRC-32 byte 4 flipped", flip(good, n-5), false},
		{"size byte 1 flipped", flip(good, n-4), false},
		{"size byte 4 flipped", flip(good, n-1), false},
		{"garbage appended", append(bytes.Clone(good), []byte("garbage")...), false},
		{"a zero byte appended", append(bytes.Clone(good), 0), false},
		{"a second gzip member appended", append(bytes.Clone(good), second.Bytes()...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := archive.Verify(bytes.NewReader(tt.data), archive.ReadOptions{}, nil)
			require.ErrorIs(t, err, archive.ErrCorrupt)
			if tt.truncated {
				assert.ErrorIs(t, err, archive.ErrTruncated)
			}
		})
	}
	_, err := archive.Verify(bytes.NewReader(good), archive.ReadOptions{}, nil)
	assert.NoError(t, err, "the untouched archive")
}

func TestVerifyRefusesDataAfterTheTarStream(t *testing.T) {
	names, files := entries(t, writeArchive(t, nil, [3]string{"Application", "a", "kind: Application\n"}))
	data := rawArchiveOrdered(t, names, files)
	// Re-compress the tar stream with something after its end marker.
	gzr, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	var plain bytes.Buffer
	_, err = plain.ReadFrom(gzr)
	require.NoError(t, err)
	for _, extra := range [][]byte{[]byte("hidden"), make([]byte, 512)} {
		var out bytes.Buffer
		gzw := gzip.NewWriter(&out)
		_, _ = gzw.Write(plain.Bytes())
		_, _ = gzw.Write(extra)
		require.NoError(t, gzw.Close())
		_, err := archive.Verify(bytes.NewReader(out.Bytes()), archive.ReadOptions{}, nil)
		if bytes.Count(extra, []byte{0}) == len(extra) {
			assert.NoError(t, err, "zero padding after the end marker is what tar writes")
		} else {
			assert.ErrorIs(t, err, archive.ErrCorrupt)
		}
	}
}

// Before the binding, reading one backup's archive as another's, or with another
// backup's manifest copy beside it, passed.
func TestVerifyBindsTheArchiveToItsNameAndManifestCopy(t *testing.T) {
	a, ma := signedArchive(t, "argocd-backup-a", nil, twoApps...)
	_, mb := signedArchive(t, "argocd-backup-b", nil, twoApps[:1]...)

	tests := []struct {
		name string
		opts archive.ReadOptions
		want error
	}{
		{"its own name and manifest copy", archive.ReadOptions{Name: "argocd-backup-a", Manifest: ma.Bytes()}, nil},
		{"read as another backup (swapped names)", archive.ReadOptions{Name: "argocd-backup-b", Manifest: ma.Bytes()}, archive.ErrNameMismatch},
		{"another backup's manifest copy beside it (swapped manifests)", archive.ReadOptions{Name: "argocd-backup-a", Manifest: mb.Bytes()}, archive.ErrManifestMismatch},
		{"a manifest copy edited", archive.ReadOptions{Name: "argocd-backup-a", Manifest: bytes.Replace(ma.Bytes(), []byte(`"a"`), []byte(`"c"`), 1)}, archive.ErrManifestMismatch},
		{"an empty manifest copy", archive.ReadOptions{Name: "argocd-backup-a", Manifest: []byte{}}, archive.ErrManifestMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := archive.Verify(bytes.NewReader(a), tt.opts, nil)
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

// editObject changes one byte of an object's stored YAML and recomputes its checksum in
// the manifest, keeping the manifest's encoding: what an attacker with write access to
// the store can do without the key.
func editObject(t testing.TB, data []byte, path string) []byte {
	t.Helper()
	names, files := entries(t, data)
	old := sha256.Sum256(files[path])
	files[path] = bytes.Replace(files[path], []byte("kind: Application"), []byte("kind: Applicatiom"), 1)
	sum := sha256.Sum256(files[path])
	files[archive.ManifestPath] = bytes.Replace(files[archive.ManifestPath], []byte(hex.EncodeToString(old[:])), []byte(hex.EncodeToString(sum[:])), 1)
	return rawArchiveOrdered(t, names, files)
}

// resign replaces the manifest's signature with one made by another key, as an attacker
// holding their own age key would.
func resign(t testing.TB, data []byte, attacker *age.X25519Identity) []byte {
	t.Helper()
	_, files := entries(t, editObject(t, data, "objects/Application/a.yaml"))
	m, err := archive.ParseManifest(files[archive.ManifestPath])
	require.NoError(t, err)
	var buf bytes.Buffer
	w := archive.NewWriter(&buf, *m, nil, nil)
	w.Sign(attacker)
	for _, e := range m.Objects {
		require.NoError(t, w.Add(e.Kind, e.Namespace, e.Name, files[e.Path]))
	}
	_, err = w.Close()
	require.NoError(t, err)
	return buf.Bytes()
}

func TestSignedManifests(t *testing.T) {
	team, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	attacker, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	signed, sm := signedArchive(t, "b", team, twoApps...)
	unsigned, _ := signedArchive(t, "b", nil, twoApps...)
	require.NotNil(t, sm.Signature)
	assert.Equal(t, team.Recipient().String(), sm.Signature.Key)
	assert.NotContains(t, string(signed), team.String(), "the key is never stored")

	teamKey := []age.Identity{team}
	_, files := entries(t, signed)
	// Another first character: "1" when the MAC does not start with it (a fixed "1" left a
	// MAC that starts with "1" unchanged, one run in 16 or so).
	first := "1"
	if strings.HasPrefix(sm.Signature.MAC, first) {
		first = "2"
	}
	stripped := bytes.Replace(files[archive.ManifestPath], []byte(sm.Signature.MAC), []byte(first+sm.Signature.MAC[1:]), 1)
	names, _ := entries(t, signed)
	files[archive.ManifestPath] = stripped
	flippedMAC := rawArchiveOrdered(t, names, files)

	tests := []struct {
		name    string
		data    []byte
		opts    archive.ReadOptions
		want    error
		checked bool
	}{
		{"signed, checked with the team key", signed, archive.ReadOptions{Identities: teamKey, RequireSignature: true}, nil, true},
		{"signed, read without the key and not required", signed, archive.ReadOptions{}, nil, false},
		{"unsigned, not required", unsigned, archive.ReadOptions{Identities: teamKey}, nil, false},
		{"unsigned when required", unsigned, archive.ReadOptions{Identities: teamKey, RequireSignature: true}, archive.ErrUnsigned, false},
		{"signed, required, without the key", signed, archive.ReadOptions{RequireSignature: true}, archive.ErrBadSignature, false},
		{"signed, required, with a wrong key", signed, archive.ReadOptions{Identities: []age.Identity{attacker}, RequireSignature: true}, archive.ErrBadSignature, false},
		{"an object edited with its checksum recomputed", editObject(t, signed, "objects/Application/a.yaml"), archive.ReadOptions{Identities: teamKey}, archive.ErrBadSignature, false},
		{"an object edited and re-signed with another key", resign(t, signed, attacker), archive.ReadOptions{Identities: teamKey, RequireSignature: true}, archive.ErrBadSignature, false},
		{"a flipped MAC", flippedMAC, archive.ReadOptions{Identities: teamKey}, archive.ErrBadSignature, false},
		{"the manifest re-encoded", rewriteManifest(t, signed, func(map[string]any) {}), archive.ReadOptions{Identities: teamKey}, archive.ErrBadSignature, false},
		{"the signature removed", rewriteManifest(t, signed, func(m map[string]any) { delete(m, "signature") }), archive.ReadOptions{Identities: teamKey, RequireSignature: true}, archive.ErrUnsigned, false},
		{"another algorithm", rewriteManifest(t, signed, func(m map[string]any) { m["signature"].(map[string]any)["alg"] = "none" }), archive.ReadOptions{Identities: teamKey}, archive.ErrBadSignature, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := archive.Verify(bytes.NewReader(tt.data), tt.opts, nil)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				assert.NotContains(t, err.Error(), team.String())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.checked, m.SignatureChecked())
		})
	}
}

func TestSigningIdentityPrefersARecipient(t *testing.T) {
	a, _ := age.GenerateX25519Identity()
	b, _ := age.GenerateX25519Identity()
	ids := []age.Identity{a, b}
	assert.Equal(t, b, archive.SigningIdentity(ids, []string{b.Recipient().String()}))
	assert.Equal(t, a, archive.SigningIdentity(ids, nil), "without recipients, the first identity")
	c, _ := age.GenerateX25519Identity()
	assert.Nil(t, archive.SigningIdentity(ids, []string{c.Recipient().String()}), "no identity is a recipient")
	assert.Nil(t, archive.SigningIdentity(nil, nil))
}

// A header that claims a large entry over a short stream costs the bytes that are there,
// not the size it claims (before, each such read allocated up to 128 MiB).
func TestVerifyDoesNotAllocateWhatAHeaderClaims(t *testing.T) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: archive.ManifestPath, Mode: 0o600, Size: archive.MaxManifestSize, Typeflag: tar.TypeReg}))
	_, err := tw.Write([]byte(`{"formatVersion":1}`))
	require.NoError(t, err)
	require.NoError(t, gz.Close())
	data := buf.Bytes()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = archive.Verify(bytes.NewReader(data), archive.ReadOptions{}, nil)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, archive.ErrTruncated)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "bytes allocated")
}
