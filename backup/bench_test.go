package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

const benchApps = 5000

// benchTeam is 5,000 Applications (and their projects) in their own namespace, a backup of
// them, and the same objects as one YAML file for kubectl.
type benchTeam struct {
	*team
	apps     []*unstructured.Unstructured
	yamlFile string
	kubectl  string
}

func newBenchTeam(b *testing.B) *benchTeam {
	b.Helper()
	testenv.Require(b, env)
	kubectl := filepath.Join(testenv.BinDir(), "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		b.Fatalf("kubectl not found in %s: run `make test-bin`", testenv.BinDir())
	}
	tm := &team{c: adminClients(b), p: argoProfile(b), st: fileStore(b), id: newIdentity(b)}
	tm.ns = tm.p.ArgoCD.Namespace
	f := newFixture(b, tm.p, sizes{apps: benchApps, projects: 50})
	bt := &benchTeam{team: tm, kubectl: kubectl}
	var doc bytes.Buffer
	var objs []*unstructured.Unstructured
	for _, u := range f.objects {
		if u.GetKind() != "Application" && u.GetKind() != "AppProject" {
			continue
		}
		// Without finalizers, so that each round can delete them in one call.
		u.SetFinalizers(nil)
		objs = append(objs, u)
		if u.GetKind() == "Application" {
			bt.apps = append(bt.apps, u)
			c := backup.Clean(u.DeepCopy())
			data, err := yaml.Marshal(c.Object)
			require.NoError(b, err)
			doc.WriteString("---\n")
			doc.Write(data)
		}
	}
	createAll(b, tm.c, objs)
	bt.yamlFile = filepath.Join(b.TempDir(), "applications.yaml")
	require.NoError(b, os.WriteFile(bt.yamlFile, doc.Bytes(), 0o600))
	exp, err := backup.Export(context.Background(), tm.c, tm.st, backup.ExportOptions{Profile: tm.p, Recipients: []string{tm.id.Recipient().String()}})
	require.NoError(b, err)
	require.Equal(b, benchApps, exp.Counts["Application"])
	tm.name = exp.Name
	return bt
}

func (bt *benchTeam) deleteApps(b *testing.B) {
	b.Helper()
	res := bt.c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(bt.ns)
	require.NoError(b, res.DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{}))
	require.Eventually(b, func() bool {
		l, err := res.List(context.Background(), metav1.ListOptions{Limit: 1})
		return err == nil && len(l.Items) == 0
	}, time.Minute, 100*time.Millisecond)
}

// BenchmarkRestore5000Applications restores 5,000 deleted Applications with ck8sargo and,
// as the peer, applies the same objects with `kubectl apply --server-side`.
func BenchmarkRestore5000Applications(b *testing.B) {
	bt := newBenchTeam(b)
	b.Run("ck8sargo", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			bt.deleteApps(b)
			b.StartTimer()
			res, err := backup.Restore(context.Background(), bt.c, bt.st, bt.name, backup.RestoreOptions{
				Profile: bt.p, Identities: []age.Identity{bt.id}, Only: nil,
			})
			require.NoError(b, err)
			require.Equal(b, benchApps, res.Created)
		}
		b.ReportMetric(float64(benchApps)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
	b.Run("kubectl-apply-server-side", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			bt.deleteApps(b)
			b.StartTimer()
			cmd := exec.Command(bt.kubectl, "--kubeconfig", env.AdminKubeconfig, "apply", "--server-side",
				"--field-manager", argocdmanaged.DefaultFieldManager, "-n", bt.ns, "-f", bt.yamlFile, "-o", "name")
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = nil, &stderr
			require.NoError(b, cmd.Run(), stderr.String())
		}
		b.ReportMetric(float64(benchApps)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
}

// BenchmarkExport5000Applications exports 5,000 Applications with ck8sargo and, as the
// peer, reads them with `kubectl get -o yaml`.
func BenchmarkExport5000Applications(b *testing.B) {
	bt := newBenchTeam(b)
	b.Run("ck8sargo", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			res, err := backup.Export(context.Background(), bt.c, bt.st, backup.ExportOptions{
				Profile: bt.p, Recipients: []string{bt.id.Recipient().String()}, Name: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i),
			})
			require.NoError(b, err)
			require.Equal(b, benchApps, res.Counts["Application"])
		}
		b.ReportMetric(float64(benchApps)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
	b.Run("kubectl-get-yaml", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(bt.kubectl, "--kubeconfig", env.AdminKubeconfig, "get", "applications,appprojects,applicationsets",
				"-n", bt.ns, "-o", "yaml")
			f, err := os.Create(filepath.Join(b.TempDir(), "out.yaml"))
			require.NoError(b, err)
			cmd.Stdout = f
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(b, cmd.Run(), stderr.String())
			f.Close()
		}
		b.ReportMetric(float64(benchApps)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
}

// writeBenchArchive writes a backup of the fixture's objects straight into st, without an
// API server: 5,000 Applications, 50 AppProjects and 10 encrypted repository Secrets.
func writeBenchArchive(b *testing.B, st *store.Store, name string, id, signer *age.X25519Identity) {
	b.Helper()
	ctx := context.Background()
	p := argocdmanaged.DefaultProfile()
	f := newFixture(b, p, sizes{apps: benchApps, projects: 50, repos: 10})
	up, err := st.Create(ctx, name)
	require.NoError(b, err)
	w := archive.NewWriter(up, archive.Manifest{Name: name, Created: time.Now().UTC(), Namespace: p.ArgoCD.Namespace, Profile: p},
		[]age.Recipient{id.Recipient()}, []string{id.Recipient().String()})
	if signer != nil {
		w.Sign(signer)
	}
	for _, u := range f.objects {
		data, err := yaml.Marshal(backup.Clean(u.DeepCopy()).Object)
		require.NoError(b, err)
		require.NoError(b, w.Add(u.GetKind(), u.GetNamespace(), u.GetName(), data))
	}
	m, err := w.Close()
	require.NoError(b, err)
	require.NoError(b, up.Commit(ctx, m))
}

// BenchmarkVerify5000Applications verifies a backup of 5,000 Applications completely:
// the whole gzip stream, every checksum, the name and manifest copy, decryption of the
// Secrets, and every object parsed and checked for scope; "signed" also checks the
// signature. It needs no API server (go test -short -bench Verify).
func BenchmarkVerify5000Applications(b *testing.B) {
	st := fileStore(b)
	id := newIdentity(b)
	const name, signed = "argocd-backup-20260101T000000Z", "argocd-backup-20260102T000000Z"
	writeBenchArchive(b, st, name, id, nil)
	writeBenchArchive(b, st, signed, id, id)
	for _, bm := range []struct {
		name, backup string
		require      bool
	}{{"unsigned", name, false}, {"signed", signed, true}} {
		b.Run(bm.name, func(b *testing.B) {
			opts := backup.VerifyOptions{Profile: argocdmanaged.DefaultProfile(), Identities: []age.Identity{id}, RequireSignature: bm.require}
			for b.Loop() {
				res, err := backup.Verify(context.Background(), st, bm.backup, opts)
				require.NoError(b, err)
				require.True(b, res.OK(), res.Problems)
			}
			b.ReportMetric(float64(benchApps)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}
