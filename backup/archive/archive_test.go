package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup/archive"
)

func writeArchive(t testing.TB, recipients []age.Recipient, objects ...[3]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var names []string
	for _, r := range recipients {
		names = append(names, r.(*age.X25519Recipient).String())
	}
	w := archive.NewWriter(&buf, archive.Manifest{Name: "b", Created: time.Unix(1700000000, 0).UTC(), Namespace: "argocd-system"}, recipients, names)
	for _, o := range objects {
		require.NoError(t, w.Add(o[0], "argocd-system", o[1], []byte(o[2])))
	}
	_, err := w.Close()
	require.NoError(t, err)
	return buf.Bytes()
}

func TestVerifyAcceptsWhatTheWriterWrote(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	data := writeArchive(t, []age.Recipient{id.Recipient()},
		[3]string{"Secret", "repo", "kind: Secret\ndata:\n  password: c2VjcmV0\n"},
		[3]string{"AppProject", "p", "kind: AppProject\n"},
		[3]string{"Application", "a", "kind: Application\n"})
	assert.NotContains(t, string(data), "c2VjcmV0", "Secret data is encrypted")

	var seen []string
	m, err := archive.Verify(bytes.NewReader(data), archive.ReadOptions{Identities: []age.Identity{id}}, func(o archive.Object) error {
		seen = append(seen, o.Ref()+":"+string(o.Data))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"Secret/repo:kind: Secret\ndata:\n  password: c2VjcmV0\n", "AppProject/p:kind: AppProject\n", "Application/a:kind: Application\n"}, seen)
	assert.Equal(t, map[string]int{"Secret": 1, "AppProject": 1, "Application": 1}, m.Counts)
	assert.True(t, m.Encrypted())
	assert.True(t, m.Objects[0].Encrypted)

	var replayed int
	require.NoError(t, archive.Replay(bytes.NewReader(data), m, archive.ReadOptions{Identities: []age.Identity{id}}, func(archive.Object) error { replayed++; return nil }))
	assert.Equal(t, 3, replayed)
}

func TestWriterRefusesObjectsOutOfRestoreOrder(t *testing.T) {
	w := archive.NewWriter(&bytes.Buffer{}, archive.Manifest{}, nil, nil)
	require.NoError(t, w.Add("Application", "ns", "a", []byte("x")))
	assert.ErrorContains(t, w.Add("AppProject", "ns", "p", []byte("x")), "restore order")
	assert.ErrorContains(t, w.Add("Namespace", "", "n", []byte("x")), "does not hold Namespace")
	assert.ErrorContains(t, w.Add("Application", "ns", "../x", []byte("x")), "invalid name")
}

func TestVerifyRefuses(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	other, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	good := writeArchive(t, []age.Recipient{id.Recipient()},
		[3]string{"Secret", "repo", "kind: Secret\n"}, [3]string{"Application", "a", "kind: Application\n"})
	plain := writeArchive(t, nil, [3]string{"Application", "a", "kind: Application\n"}, [3]string{"Application", "b", "kind: Application\n"})

	tests := []struct {
		name string
		data []byte
		ids  []age.Identity
		want error
	}{
		{"a truncated archive", good[:len(good)/2], []age.Identity{id}, archive.ErrCorrupt},
		{"a flipped byte", flip(good, len(good)/2), []age.Identity{id}, archive.ErrCorrupt},
		{"not gzip", []byte("hello"), nil, archive.ErrCorrupt},
		{"encrypted Secrets without an identity", good, nil, archive.ErrNoIdentity},
		{"encrypted Secrets with the wrong identity", good, []age.Identity{other}, archive.ErrNoIdentity},
		{"a wrong checksum", rewriteManifest(t, plain, func(m map[string]any) {
			m["objects"].([]any)[1].(map[string]any)["sha256"] = "0000000000000000000000000000000000000000000000000000000000000000"
		}), nil, archive.ErrChecksum},
		{"another format version", rewriteManifest(t, plain, func(m map[string]any) { m["formatVersion"] = 2 }), nil, archive.ErrFormatVersion},
		{"an object missing from the manifest", rewriteManifest(t, plain, func(m map[string]any) {
			m["objects"] = m["objects"].([]any)[:1]
			m["counts"] = map[string]any{"Application": 1}
		}), nil, archive.ErrCorrupt},
		{"a cluster-scoped entry", rawArchive(t, map[string]string{"objects/Namespace/kube-system.yaml": "kind: Namespace\n"}), nil, archive.ErrCorrupt},
		{"a path escaping the layout", rawArchive(t, map[string]string{"objects/Application/../../etc.yaml": "x"}), nil, archive.ErrCorrupt},
		{"no manifest", rawArchive(t, map[string]string{"objects/Application/a.yaml": "x"}), nil, archive.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := archive.Verify(bytes.NewReader(tt.data), archive.ReadOptions{Identities: tt.ids}, nil)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestVerifyWithoutDecryptChecksIntegrityOnly(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	data := writeArchive(t, []age.Recipient{id.Recipient()}, [3]string{"Secret", "repo", "kind: Secret\n"})
	m, err := archive.Verify(bytes.NewReader(data), archive.ReadOptions{SkipDecrypt: true}, func(o archive.Object) error {
		assert.Nil(t, o.Data)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, m.Total())
}

func flip(data []byte, i int) []byte {
	c := bytes.Clone(data)
	c[i] ^= 0xff
	return c
}

// entries reads a tar.gz into name → content, in order.
func entries(t testing.TB, data []byte) ([]string, map[string][]byte) {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	var names []string
	out := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(tr)
		names = append(names, hdr.Name)
		out[hdr.Name] = b.Bytes()
	}
	return names, out
}

func rewriteManifest(t testing.TB, data []byte, edit func(map[string]any)) []byte {
	t.Helper()
	names, files := entries(t, data)
	var m map[string]any
	require.NoError(t, json.Unmarshal(files[archive.ManifestPath], &m))
	edit(m)
	files[archive.ManifestPath], _ = json.Marshal(m)
	return rawArchiveOrdered(t, names, files)
}

func rawArchive(t testing.TB, files map[string]string) []byte {
	var names []string
	b := map[string][]byte{}
	for n, c := range files {
		names = append(names, n)
		b[n] = []byte(c)
	}
	return rawArchiveOrdered(t, names, b)
}

func rawArchiveOrdered(t testing.TB, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o600, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := tw.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// FuzzVerify feeds the reader arbitrary bytes: it must return an error or a manifest,
// never panic or allocate without bound.
func FuzzVerify(f *testing.F) {
	f.Add(writeArchive(f, nil, [3]string{"Application", "a", "kind: Application\n"}))
	f.Add(rawArchive(f, map[string]string{"manifest.json": `{"formatVersion":1,"encryption":{"secrets":"none"},"objects":[]}`}))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := archive.Verify(bytes.NewReader(data), archive.ReadOptions{SkipDecrypt: true}, nil)
		if err == nil && m == nil {
			t.Fatal("no manifest and no error")
		}
	})
}

// FuzzParseManifest checks that a manifest either parses into something consistent or is
// refused.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"formatVersion":1,"encryption":{"secrets":"age"},"objects":[{"kind":"Secret","name":"a","path":"objects/Secret/a.yaml.age","sha256":"0000000000000000000000000000000000000000000000000000000000000000","encrypted":true}],"counts":{"Secret":1}}`))
	f.Add([]byte(`{"formatVersion":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := archive.ParseManifest(data)
		if err != nil {
			return
		}
		for _, e := range m.Objects {
			if archive.KindRank(e.Kind) < 0 || e.Path != archive.EntryPath(e.Kind, e.Name, e.Encrypted) {
				t.Fatalf("accepted a bad entry %+v", e)
			}
		}
	})
}
