package scan_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// benchRepoFiles is the size of the repository the speed target names.
const benchRepoFiles = 10000

// writeBenchRepo writes a GitOps repository of n files: per chart a Chart.yaml, values
// files, Helm templates with {{ }}, a sops-encrypted secrets file and a README; plain
// manifests (Deployments, Services, ConfigMaps, SealedSecrets), kustomizations and Argo CD
// Applications. It holds no secret, as most commits do, so every file is read to the end.
func writeBenchRepo(tb testing.TB, dir string, n int) {
	tb.Helper()
	write := func(name, data string) {
		p := filepath.Join(dir, name)
		require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(tb, os.WriteFile(p, []byte(data), 0o644))
	}
	write(".sops.yaml", "creation_rules:\n  - path_regex: secrets.*\\.yaml$\n    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n")
	kinds := []func(i int) (string, string){
		func(i int) (string, string) {
			return fmt.Sprintf("apps/team%d/deploy-%d.yaml", i%50, i), fmt.Sprintf(deploymentTmpl, i, i, i)
		},
		func(i int) (string, string) {
			return fmt.Sprintf("apps/team%d/svc-%d.yaml", i%50, i), fmt.Sprintf(serviceTmpl, i, i)
		},
		func(i int) (string, string) {
			return fmt.Sprintf("charts/c%d/values.yaml", i), fmt.Sprintf(valuesTmpl, i, i)
		},
		func(i int) (string, string) {
			return fmt.Sprintf("charts/c%d/templates/deployment-%d.yaml", i%200, i), helmTemplate
		},
		func(i int) (string, string) {
			return fmt.Sprintf("charts/c%d/secrets.yaml", i), "db:\n    password: " + enc + "\n" + sopsMeta
		},
		func(i int) (string, string) {
			return fmt.Sprintf("apps/team%d/cm-%d.yaml", i%50, i), fmt.Sprintf(configMapTmpl, i)
		},
		func(i int) (string, string) {
			return fmt.Sprintf("apps/team%d/sealed-%d.yaml", i%50, i), fmt.Sprintf(sealedTmpl, i)
		},
		func(i int) (string, string) {
			return fmt.Sprintf("overlays/o%d/kustomization.yaml", i), "resources:\n  - ../../base\npatches:\n  - path: replicas.yaml\nimages:\n  - name: shop\n    newTag: v1.2.3\n"
		},
		func(i int) (string, string) {
			return fmt.Sprintf("argocd/app-%d.yaml", i), fmt.Sprintf(applicationTmpl, i, i, i)
		},
		func(i int) (string, string) {
			return fmt.Sprintf("docs/team%d/README-%d.md", i%50, i), readmeText
		},
	}
	for i := range n - 1 {
		name, data := kinds[i%len(kinds)](i)
		write(name, data)
	}
}

const deploymentTmpl = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-%d
  labels:
    app.kubernetes.io/name: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shop-%d
  template:
    metadata:
      labels:
        app: shop-%d
    spec:
      containers:
        - name: shop
          image: harbor.example.com/shop/shop:v1.2.3
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db-credentials
                  key: password
          ports:
            - containerPort: 8080
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
`

const serviceTmpl = `apiVersion: v1
kind: Service
metadata:
  name: shop-%d
spec:
  selector:
    app: shop-%d
  ports:
    - port: 80
      targetPort: 8080
`

const valuesTmpl = `replicaCount: 2
image:
  repository: harbor.example.com/shop/c%d
  tag: v1.2.3
ingress:
  enabled: true
  host: c%d.example.com
existingSecret: db-credentials
resources:
  requests:
    cpu: 100m
`

const helmTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.existingSecret }}
                  key: password
`

const configMapTmpl = `apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config-%d
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "checkout,search"
`

const sealedTmpl = `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db-%d
spec:
  encryptedData:
    password: AgBy3i4OJSWK+PiTySYZZA9rJlbSKfWWq4ImEAAh2XxzVxvN3lbgQwqO1FyEP1mHNZ+Ll0HtYcwqk
  template:
    metadata:
      name: db
`

const applicationTmpl = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-%d
  namespace: argocd-system
spec:
  project: default
  source:
    repoURL: https://git.example.com/shop.git
    path: charts/c%d
    helm:
      valueFiles:
        - values.yaml
        - secrets://secrets.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: shop-%d
`

const readmeText = `# The shop chart

Values come from values.yaml; the database password from secrets.yaml, encrypted with sops
(kubectl ck8sargo secrets edit secrets.yaml). Never commit a file that starts with
-----BEGIN PRIVATE KEY-----: keep keys outside the repository.
`

// BenchmarkScan10kFiles scans a 10,000-file repository, warm (files in the page cache, the
// rule set compiled), with ck8sargo's scan, then with the plugin bin/kubectl-ck8sargo
// (make build; skipped when it is not built) and, side by side, with the gitleaks CLI built
// by tools/gitleaks/build.sh (skipped when it is not built). The target is 1 s on 2 cores.
func BenchmarkScan10kFiles(b *testing.B) {
	dir := b.TempDir()
	writeBenchRepo(b, dir, benchRepoFiles)
	ctx := context.Background()
	b.Run("ck8sargo", func(b *testing.B) {
		if _, err := scan.Scan(ctx, os.DirFS(dir), "."); err != nil { // warm: page cache, rules
			b.Fatal(err)
		}
		b.ResetTimer()
		cpu := processCPU()
		defer func() { b.ReportMetric(float64(processCPU()-cpu)/1e6/float64(b.N), "cpu-ms/op") }()
		for b.Loop() {
			res, err := scan.Scan(ctx, os.DirFS(dir), ".")
			if err != nil {
				b.Fatal(err)
			}
			if res.Files != benchRepoFiles || len(res.Findings) != 0 {
				b.Fatalf("%d files, %d findings: %v", res.Files, len(res.Findings), res.Findings[:min(3, len(res.Findings))])
			}
		}
	})
	b.Run("ck8sargo-cli", func(b *testing.B) {
		// The plugin as a user or the pre-commit hook runs it, process start included, as
		// the gitleaks CLI below is measured.
		bin, err := filepath.Abs(filepath.Join("..", "..", "bin", "kubectl-ck8sargo"))
		require.NoError(b, err)
		if _, err := os.Stat(bin); err != nil {
			b.Skipf("plugin not built (%s): run make build", bin)
		}
		benchProcess(b, "secrets scan", func() *exec.Cmd {
			cmd := exec.Command(bin, "secrets", "scan", "-o", "json", ".")
			cmd.Dir = dir
			return cmd
		}, func(out []byte) {
			if !strings.Contains(string(out), fmt.Sprintf(`"files": %d,`, benchRepoFiles)) {
				b.Fatalf("secrets scan did not read the %d files: %s", benchRepoFiles, out[:min(len(out), 300)])
			}
		})
	})
	b.Run("gitleaks-cli", func(b *testing.B) {
		bin := gitleaksBinary(b)
		// Not os.DevNull: gitleaks writes its report by creating the file anew, and as root
		// that replaced the machine's /dev/null with a regular file.
		report := filepath.Join(b.TempDir(), "report.json")
		benchProcess(b, "gitleaks", func() *exec.Cmd {
			return exec.Command(bin, "dir", "--no-banner", "--no-color", "--exit-code", "0", "--report-format", "json", "--report-path", report, "--log-level", "error", dir)
		}, nil)
	})
}

// benchProcess runs the command cmd makes once to warm up, then in b.Loop, failing on an
// error exit (named name, with what the command wrote), handing each run's standard output
// to check (when not nil), and reports the CPU time the process used per run: the time a
// process takes to start is part of what is measured.
func benchProcess(b *testing.B, name string, cmd func() *exec.Cmd, check func(out []byte)) {
	b.Helper()
	var cpu time.Duration
	run := func() {
		c := cmd()
		out, err := c.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				out = append(out, ee.Stderr...)
			}
			b.Fatalf("%s: %v: %s", name, err, out)
		}
		if check != nil {
			check(out)
		}
		cpu += c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	}
	run()
	cpu = 0
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(cpu)/1e6/float64(b.N), "cpu-ms/op")
}

// gitleaksBinary finds the gitleaks CLI built by tools/gitleaks/build.sh, or skips.
func gitleaksBinary(tb testing.TB) string {
	dir := os.Getenv("CK8SARGO_TESTENV_BIN")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			tb.Skip("no cache directory to find gitleaks in")
		}
		dir = filepath.Join(cache, "ck8sargo", "bin")
	}
	bin := filepath.Join(dir, "gitleaks")
	if _, err := os.Stat(bin); err != nil {
		tb.Skipf("gitleaks CLI not built (%s): run CK8SARGO_BENCH=1 tools/gitleaks/build.sh", strings.TrimSpace(bin))
	}
	return bin
}
