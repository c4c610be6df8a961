package admission_test

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// benchPolicies are the built-in defaults (8 templates with registries set) plus 7 more
// templates of the required-labels kind, 15 templates in all, each with one constraint.
func benchPolicies() admission.Policies {
	p := argocdmanaged.DefaultProfile()
	p.Registries = []string{"harbor.example.com"}
	pols := admission.Builtin(p)
	for i := range 7 {
		kind := fmt.Sprintf("K8sRequiredLabel%d", i)
		pols.Objects = append(pols.Objects,
			admission.Object{"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
				"metadata": map[string]any{"name": strings.ToLower(kind)},
				"spec": map[string]any{
					"crd": map[string]any{"spec": map[string]any{"names": map[string]any{"kind": kind},
						"validation": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "properties": map[string]any{
							"labels": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}}}}},
					"targets": []any{map[string]any{"target": admission.Target, "rego": fmt.Sprintf(`package required%d
violation[{"msg": msg}] {
	required := {l | l := input.parameters.labels[_]}
	provided := {l | input.review.object.metadata.labels[l]}
	missing := required - provided
	count(missing) > 0
	msg := sprintf("you must provide labels: %%v", [missing])
}`, i)}}}},
			admission.Object{"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
				"metadata": map[string]any{"name": fmt.Sprintf("label-%d", i)},
				"spec": map[string]any{
					"match":      map[string]any{"kinds": []any{map[string]any{"apiGroups": []any{"*"}, "kinds": []any{"*"}}}},
					"parameters": map[string]any{"labels": []any{fmt.Sprintf("l%d", i)}},
				}})
	}
	return pols
}

// benchObjects are n objects: Deployments, Services, ConfigMaps, PodDisruptionBudgets and
// NetworkPolicies in 100 namespaces (100 objects each, as for 100 applications).
func benchObjects(n int) []admission.Object {
	out := make([]admission.Object, 0, n)
	for i := range n {
		ns := fmt.Sprintf("team-%d", i%100)
		meta := map[string]any{"name": fmt.Sprintf("o%d", i), "namespace": ns, "labels": map[string]any{"app": fmt.Sprintf("a%d", i%50), "l0": "x"}}
		switch (i / 100) % 5 {
		case 0, 1:
			out = append(out, admission.Object{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
				"spec": map[string]any{"replicas": int64(1 + i%3), "selector": map[string]any{"matchLabels": map[string]any{"app": fmt.Sprintf("a%d", i%50)}},
					"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": fmt.Sprintf("a%d", i%50)}},
						"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "image": fmt.Sprintf("harbor.example.com/team/app:%d", i%7),
							"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "64Mi"}}}}}}}})
		case 2:
			out = append(out, admission.Object{"apiVersion": "v1", "kind": "Service", "metadata": meta,
				"spec": map[string]any{"type": "ClusterIP", "ports": []any{map[string]any{"port": int64(80)}}}})
		case 3:
			out = append(out, admission.Object{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": map[string]any{"k": "v"}})
		case 4:
			if (i/100)%10 == 4 {
				out = append(out, admission.Object{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta,
					"spec": map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": fmt.Sprintf("a%d", i%50)}}}})
			} else {
				out = append(out, admission.Object{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta,
					"spec": map[string]any{"minAvailable": int64(1), "selector": map[string]any{"matchLabels": map[string]any{"app": fmt.Sprintf("a%d", i%50)}}}})
			}
		}
	}
	return out
}

// BenchmarkChain reviews 10k objects with 15 templates; the Rego is compiled once, outside
// the loop (BenchmarkChainNew measures that).
func BenchmarkChain(b *testing.B) {
	ctx := context.Background()
	p := argocdmanaged.DefaultProfile()
	chain, problems, err := admission.New(ctx, benchPolicies(), admission.DefaultOptions(p))
	require.NoError(b, err)
	require.Empty(b, problems)
	objs := benchObjects(benchN)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		res, err := chain.Review(ctx, objs)
		if err != nil || len(res.Errors) > 0 {
			b.Fatal(err, res.Errors)
		}
	}
	// CPU time is the figure that holds on a shared machine, where wall time depends on
	// the load.
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkChainNew compiles the 15 templates and the mutators.
func BenchmarkChainNew(b *testing.B) {
	ctx := context.Background()
	pols := benchPolicies()
	opts := admission.DefaultOptions(argocdmanaged.DefaultProfile())
	for b.Loop() {
		if _, _, err := admission.New(ctx, pols, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// benchN is the number of objects BenchmarkChain reviews.
var benchN = 10000

// BenchmarkGator runs the gator CLI on the same 10k objects and the same 15 templates
// (without the mutators, which gator test does not run), with data.inventory synced as
// the chain has it: the side-by-side figure for BenchmarkChain.
func BenchmarkGator(b *testing.B) {
	bin := gatorBinary(b)
	dir := gatorDir(b, withoutMutators(benchPolicies()), benchObjects(benchN))
	b.ResetTimer()
	cpu := childCPUTime()
	for b.Loop() {
		runGator(b, bin, dir)
	}
	b.ReportMetric((childCPUTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
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
