package policy_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

// benchCorpus writes files×perFile objects: per file an Application, Deployments,
// Services, a Secret, ConfigMaps and a NetworkPolicy, as a big GitOps repository has.
func benchCorpus(b *testing.B, files, perFile int) (string, []string) {
	b.Helper()
	dir := b.TempDir()
	var paths []string
	for i := 0; i < files; i++ {
		var docs []string
		for j := 0; j < perFile; j++ {
			name := fmt.Sprintf("app%d-%d", i, j)
			var doc string
			switch j % 10 {
			case 0:
				doc = fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
  namespace: argocd-system
  annotations:
    notifications.argoproj.io/subscribe.on-sync-failed.slack: team
spec:
  project: shop
  source:
    repoURL: https://git.example.com/team/deploy.git
    path: apps/%s
    helm:
      valueFiles: [values.yaml]
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [ServerSideApply=true]
`, name, name)
			case 1, 2, 3:
				doc = fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  namespace: shop
  labels: {app: %s, team: shop}
spec:
  replicas: %d
  selector:
    matchLabels: {app: %s}
  template:
    metadata:
      labels: {app: %s}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: web
        image: harbor.example.com/shop/web:1.%d.0
        ports: [{containerPort: 8080}]
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
`, name, name, 1+j%3, name, name, j)
			case 4, 5:
				doc = fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: %s, namespace: shop}
spec:
  selector: {app: %s}
  ports: [{port: 80, targetPort: 8080}]
`, name, name)
			case 6:
				doc = fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata: {name: %s, namespace: shop}
type: Opaque
stringData:
  password: not-a-real-password-%d
`, name, j)
			case 7, 8:
				doc = fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata: {name: %s, namespace: shop}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "a,b,c"
`, name)
			default:
				doc = fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %s, namespace: shop}
spec:
  podSelector: {matchLabels: {app: app%d-1}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {}}]}]
`, name, i)
			}
			docs = append(docs, doc)
		}
		p := filepath.Join(dir, fmt.Sprintf("team%02d", i%20), fmt.Sprintf("app%04d.yaml", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Join(docs, "---\n")), 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	return dir, paths
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// childCPUTime is the CPU time of the child processes that have ended.
func childCPUTime() time.Duration { return rusage(syscall.RUSAGE_CHILDREN) }

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCheck checks 10,000 objects in 1,000 files with every rule, on one core and on
// all, and runs kube-score v1.20.0 (built by tools/kube-score/build.sh) on the same files
// in the same run. objects/s is the figure to compare. kube-linter is not run beside them:
// its module (golang.stackrox.io/kube-linter) is not served by the module proxy the
// project builds its peers from.
func BenchmarkCheck(b *testing.B) {
	const files, perFile = 1000, 10
	dir, paths := benchCorpus(b, files, perFile)
	objects := float64(files * perFile)

	run := func(b *testing.B, workers int) {
		opts := policy.DefaultOptions()
		opts.Rules = rules.Builtin()
		opts.Profile.Namespaces.Managed = []string{"shop"}
		opts.Workers = workers
		opts.BaseDir = dir
		b.ResetTimer()
		start, cpu := time.Now(), cpuTime()
		for i := 0; i < b.N; i++ {
			rep, err := policy.Check(context.Background(), policy.Inputs{Paths: []string{dir}}, opts)
			if err != nil {
				b.Fatal(err)
			}
			if rep.Summary.Objects != int(objects) {
				b.Fatalf("checked %d objects, want %d", rep.Summary.Objects, int(objects))
			}
		}
		b.ReportMetric(objects*float64(b.N)/time.Since(start).Seconds(), "objects/s")
		// On a shared machine wall time includes waiting for a CPU; CPU time does not.
		b.ReportMetric(objects*float64(b.N)/(cpuTime()-cpu).Seconds(), "objects/cpu-s")
	}
	b.Run("ck8sargo/one-core", func(b *testing.B) {
		old := runtime.GOMAXPROCS(1)
		defer runtime.GOMAXPROCS(old)
		run(b, 1)
	})
	b.Run(fmt.Sprintf("ck8sargo/%d-cores", runtime.NumCPU()), func(b *testing.B) {
		run(b, 0)
	})
	b.Run("kube-score", func(b *testing.B) {
		bin := filepath.Join(testenv.BinDir(), "kube-score")
		if _, err := os.Stat(bin); err != nil {
			b.Fatalf("kube-score not found in %s: run `make test-bin` (tools/kube-score/build.sh)", testenv.BinDir())
		}
		args := append([]string{"score", "--output-format", "ci"}, paths...)
		b.ResetTimer()
		start, cpu := time.Now(), childCPUTime()
		for i := 0; i < b.N; i++ {
			out, err := exec.Command(bin, args...).Output()
			// kube-score exits 1 when it finds critical problems, as a linter does.
			if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
				b.Fatalf("kube-score: %v", err)
			}
			if len(out) == 0 {
				b.Fatal("kube-score printed nothing")
			}
		}
		b.ReportMetric(objects*float64(b.N)/time.Since(start).Seconds(), "objects/s")
		b.ReportMetric(objects*float64(b.N)/(childCPUTime()-cpu).Seconds(), "objects/cpu-s")
	})
}
