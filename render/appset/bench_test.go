package appset_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/render/appset"
)

// BenchmarkGenerateMatrix expands 1,000 ApplicationSets, each a matrix of git directories
// (one team's 10 of a 500-directory repository) × a list of 2 environments, sharing one
// Cache: 20,000 Applications per iteration.
func BenchmarkGenerateMatrix(b *testing.B) {
	root := b.TempDir()
	for team := range 50 {
		for app := range 10 {
			if err := os.MkdirAll(filepath.Join(root, "teams", fmt.Sprintf("team-%02d", team), fmt.Sprintf("app-%d", app)), 0o755); err != nil {
				b.Fatal(err)
			}
		}
	}
	const repoURL = "https://github.com/example/platform.git"
	appSets := make([]map[string]any, 1000)
	for i := range appSets {
		appSets[i] = appSetFrom(b, fmt.Sprintf(`
  goTemplate: true
  goTemplateOptions: [missingkey=error]
  generators:
  - matrix:
      generators:
      - git:
          repoURL: %s
          revision: HEAD
          directories:
          - path: teams/team-%02d/*
      - list:
          elements:
          - {env: staging, cluster: in-cluster}
          - {env: production, cluster: in-cluster}
  template:
    metadata:
      name: '{{.path.basenameNormalized}}-{{index .path.segments 1}}-{{.env}}-%d'
      labels: {team: '{{index .path.segments 1}}', env: '{{.env}}'}
    spec:
      project: default
      source: {repoURL: %s, targetRevision: HEAD, path: '{{.path.path}}', helm: {valueFiles: ['values-{{.env}}.yaml']}}
      destination: {name: '{{.cluster}}', namespace: '{{index .path.segments 1}}-{{.env}}'}
      syncPolicy: {automated: {prune: true}}
`, repoURL, i%50, i, repoURL))
	}
	opts := appset.Options{RepoRoot: root, RepoURL: repoURL, Profile: argocdmanaged.DefaultProfile()}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		opts.Cache = appset.NewCache()
		n := 0
		for _, a := range appSets {
			res, err := appset.Generate(context.Background(), a, opts)
			if err != nil || len(res.Notes) != 0 {
				b.Fatalf("err %v, notes %v", err, res.Notes)
			}
			n += len(res.Applications)
		}
		if n != 20000 {
			b.Fatalf("%d Applications, want 20000", n)
		}
	}
	// CPU time is the figure that holds on a shared machine, where wall time depends on
	// the load.
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
