package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// craftedStore writes archives straight into a directory store, as an attacker or a broken
// disk would.
type craftedStore struct {
	dir string
	st  *store.Store
}

func newCraftedStore(t *testing.T) *craftedStore {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), "file://"+dir)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return &craftedStore{dir: dir, st: st}
}

func (c *craftedStore) put(t *testing.T, name string, data []byte) {
	t.Helper()
	c.putDamaged(t, name, data, nil)
}

// putDamaged stores data as backup name, spoiled by damage when it is not nil. A crafted
// archive is first named like the backup it is stored as (an archive of another name is
// refused for that alone), and only then damaged: renaming re-writes the tar stream, which
// would repair a damaged one (a flipped byte that still inflates, in a header field or the
// manifest, came back as a valid archive and was restored).
func (c *craftedStore) putDamaged(t *testing.T, name string, data []byte, damage func([]byte) []byte) {
	t.Helper()
	entryNames, files := tarEntries(t, data)
	if m, ok := files[archive.ManifestPath]; ok && bytes.Contains(m, []byte(`"name": "crafted"`)) {
		files[archive.ManifestPath] = bytes.Replace(m, []byte(`"name": "crafted"`), []byte(`"name": "`+name+`"`), 1)
		data = tarGz(t, entryNames, files)
	}
	if damage != nil {
		data = damage(data)
	}
	require.NoError(t, os.WriteFile(filepath.Join(c.dir, name+store.ArchiveSuffix), data, 0o600))
	// The manifest copy is the archive's last entry, as it was before any damage.
	m := files[archive.ManifestPath]
	if m == nil {
		m = []byte(`{"formatVersion":1,"encryption":{"secrets":"none"}}`)
	}
	require.NoError(t, os.WriteFile(filepath.Join(c.dir, name+store.ManifestSuffix), m, 0o600))
}

// craft writes an archive with the archive package's own writer, holding whatever objects
// the test gives, in or out of scope.
func craft(t *testing.T, p argocdmanaged.Profile, recipients []age.Recipient, objs ...map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	var names []string
	for _, r := range recipients {
		names = append(names, r.(*age.X25519Recipient).String())
	}
	w := archive.NewWriter(&buf, archive.Manifest{Name: "crafted", Created: time.Now().UTC(), Namespace: p.ArgoCD.Namespace, Profile: p}, recipients, names)
	for _, o := range objs {
		data, err := yaml.Marshal(o)
		require.NoError(t, err)
		md := o["metadata"].(map[string]any)
		kind := o["kind"].(string)
		if k, ok := o["_archiveKind"]; ok {
			kind = k.(string)
			delete(o, "_archiveKind")
			data, err = yaml.Marshal(o)
			require.NoError(t, err)
		}
		ns, _ := md["namespace"].(string)
		require.NoError(t, w.Add(kind, ns, md["name"].(string), data))
	}
	_, err := w.Close()
	require.NoError(t, err)
	return buf.Bytes()
}

func app(ns, name string, labels map[string]any) map[string]any {
	md := map[string]any{"name": name, "namespace": ns}
	if labels != nil {
		md["labels"] = labels
	}
	return map[string]any{"apiVersion": argocdmanaged.APIVersion, "kind": "Application", "metadata": md, "spec": map[string]any{
		"project": "default", "source": map[string]any{"repoURL": "https://git.example.com/x.git", "path": "."},
		"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
	}}
}

func assertNothingApplied(t *testing.T, c *argocdmanaged.Clients, namespaces ...string) {
	t.Helper()
	for _, ns := range namespaces {
		for _, kind := range []string{"AppProject", "Application", "ApplicationSet"} {
			assert.Emptyf(t, liveObjects(t, c, ns, kind), "%s in %s", kind, ns)
		}
	}
}

func TestRestoreRefusesBadBackupsBeforeApplyingAnything(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	c := adminClients(t)
	p := argoProfile(t)
	ns := p.ArgoCD.Namespace
	other := env.Namespace(t, "other")
	id := newIdentity(t)
	cs := newCraftedStore(t)

	// A good archive to spoil: an Application first in its kind so that a refusal late in
	// the archive proves nothing earlier was applied.
	good := craft(t, p, []age.Recipient{id.Recipient()},
		map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "repo", "namespace": ns, "labels": map[string]any{argocdmanaged.SecretTypeLabel: "repository"}}, "data": map[string]any{"url": "aHR0cHM6Ly94"}},
		app(ns, "a", nil), app(ns, "b", nil))
	plain := craft(t, p, nil, app(ns, "a", nil), app(ns, "b", nil))

	tests := []struct {
		name   string
		data   []byte
		damage func([]byte) []byte
		ids    []age.Identity
		want   error
	}{
		{"a corrupted archive", good, func(b []byte) []byte { return flipByte(b, len(b)*2/3) }, []age.Identity{id}, archive.ErrCorrupt},
		{"a truncated archive", good, func(b []byte) []byte { return b[:len(b)-40] }, []age.Identity{id}, archive.ErrCorrupt},
		{"a wrong checksum", editManifest(t, plain, func(m map[string]any) {
			m["objects"].([]any)[1].(map[string]any)["sha256"] = "1111111111111111111111111111111111111111111111111111111111111111"
		}), nil, nil, archive.ErrChecksum},
		{"a missing identity", good, nil, nil, archive.ErrNoIdentity},
		{"the wrong identity", good, nil, []age.Identity{newIdentity(t)}, archive.ErrNoIdentity},
		{"another format version", editManifest(t, plain, func(m map[string]any) { m["formatVersion"] = 99 }), nil, nil, archive.ErrFormatVersion},
		{"an Application of another namespace", craft(t, p, nil, app(ns, "a", nil), app(other, "b", nil)), nil, nil, backup.ErrInvalidBackup},
		{"a cluster-scoped object under an in-scope name", craft(t, p, nil, app(ns, "a", nil), map[string]any{
			"_archiveKind": "Application", "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
			"metadata": map[string]any{"name": "b"}, "rules": []any{},
		}), nil, nil, backup.ErrInvalidBackup},
		{"a cluster-scoped Application", craft(t, p, nil, app(ns, "a", nil), app("", "b", nil)), nil, nil, backup.ErrInvalidBackup},
		{"a nobackup object", craft(t, p, nil, app(ns, "a", nil), app(ns, "b", map[string]any{argocdmanaged.NoBackupLabel: "true"})), nil, nil, backup.ErrInvalidBackup},
		{"a Secret Argo CD does not use", craft(t, p, nil,
			map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "kube-creds", "namespace": ns}},
			app(ns, "a", nil)), nil, nil, backup.ErrInvalidBackup},
		{"a ConfigMap the profile does not name", craft(t, p, nil,
			map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "argocd-cm", "namespace": ns}},
			app(ns, "a", nil)), nil, nil, backup.ErrInvalidBackup},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "argocd-backup-bad-" + string(rune('a'+i))
			cs.putDamaged(t, name, tt.data, tt.damage)
			_, err := backup.Restore(ctx, c, cs.st, name, backup.RestoreOptions{Profile: p, Identities: tt.ids})
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), "aHR0cHM6Ly94", "no secret data in errors")
			assertNothingApplied(t, c, ns, other)
		})
	}

	// The good archive itself restores.
	cs.put(t, "argocd-backup-good", good)
	res, err := backup.Restore(ctx, c, cs.st, "argocd-backup-good", backup.RestoreOptions{Profile: p, Identities: []age.Identity{id}})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Created)
}

func TestExportLeavesOutOtherNamespacesAndNobackupObjects(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	c := adminClients(t)
	p := argoProfile(t)
	otherProfile := argoProfile(t)
	f := newFixture(t, p, sizes{apps: 3, projects: 1, appsets: 1, repos: 2})
	g := newFixture(t, otherProfile, sizes{apps: 2, projects: 1, appsets: 1, repos: 1})
	createAll(t, c, append(f.all(), g.all()...))

	st := fileStore(t)
	res, err := backup.Export(ctx, c, st, backup.ExportOptions{Profile: p, IncludePlaintextSecrets: true})
	require.NoError(t, err)
	info, err := st.Stat(ctx, res.Name)
	require.NoError(t, err)
	var refs []string
	for _, e := range info.Manifest.Objects {
		assert.Equal(t, p.ArgoCD.Namespace, e.Namespace, e.Ref())
		refs = append(refs, e.Ref())
	}
	assert.Len(t, refs, len(f.objects))
	for _, o := range f.outOfScope {
		assert.NotContains(t, refs, o.GetKind()+"/"+o.GetName())
	}
	assert.False(t, res.Encrypted)
}

func TestExportRefusesPlaintextSecretsUnlessAsked(t *testing.T) {
	testenv.Require(t, env)
	p := argoProfile(t)
	st := fileStore(t)
	_, err := backup.Export(context.Background(), adminClients(t), st, backup.ExportOptions{Profile: p})
	require.ErrorIs(t, err, backup.ErrPlaintextSecrets)
	list, err := st.List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, list, "nothing written")
}

func flipByte(data []byte, i int) []byte {
	c := bytes.Clone(data)
	c[i] ^= 0x55
	return c
}

func editManifest(t *testing.T, data []byte, edit func(map[string]any)) []byte {
	t.Helper()
	names, files := tarEntries(t, data)
	var m map[string]any
	require.NoError(t, json.Unmarshal(files[archive.ManifestPath], &m))
	edit(m)
	files[archive.ManifestPath], _ = json.Marshal(m)
	return tarGz(t, names, files)
}
