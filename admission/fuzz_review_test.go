package admission_test

import (
	"context"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// FuzzReview feeds objects of any shape to the built-in chain, as rendered manifests reach
// it: the chain never panics and never fails without a cancelled context, leaves its input
// alone, gives one mutated object per input, points every verdict and mutation at an input,
// and, as Gatekeeper requires of mutators, a mutated object mutated again stays as it is.
func FuzzReview(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: c, image: nginx}]}\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {hostNetwork: true, containers: [{name: c, image: harbor.example.com/a:1, securityContext: {privileged: true, allowPrivilegeEscalation: false, capabilities: {add: [NET_ADMIN]}}}]}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: shop}\nspec: {replicas: 1, template: {metadata: {labels: {app: d}}, spec: {initContainers: [{name: i, image: busybox}], containers: [{name: c, image: nginx, resources: {requests: {cpu: 10m}}}]}}}\n",
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j, namespace: shop}\nspec: {schedule: '* * * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}}}\n",
		"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r, namespace: shop}\nspec: {template: {spec: {securityContext: {runAsUser: 0}, containers: [{name: c, image: x, ports: [{containerPort: 80, hostPort: 80}]}]}}}\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: null, volumes: [{name: v, hostPath: {path: /}}]}\n",
		"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b, namespace: shop}\nspec: {maxUnavailable: 0, selector: {matchLabels: {app: d}}}\n",
		"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n, namespace: shop}\nspec: {podSelector: {matchExpressions: [{key: app, operator: In, values: [d]}]}}\n",
		"kind: Pod\nspec: {containers: [{securityContext: 7}], template: []}\n",
	} {
		f.Add([]byte(seed))
	}
	p := argocdmanaged.DefaultProfile()
	p.Registries = []string{"harbor.example.com"}
	chain, problems, err := admission.New(context.Background(), admission.Builtin(p), admission.DefaultOptions(p))
	if err != nil || len(problems) > 0 {
		f.Fatalf("built-in chain: %v %v", err, problems)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		if yaml.Unmarshal(data, &obj) != nil || obj == nil {
			return
		}
		before := runtime.DeepCopyJSON(obj)
		res, err := chain.Review(ctx, []admission.Object{obj})
		if err != nil {
			t.Fatalf("Review failed without a cancelled context: %v", err)
		}
		if !reflect.DeepEqual(before, obj) {
			t.Fatal("Review changed its input")
		}
		if len(res.Mutated) != 1 {
			t.Fatalf("%d mutated objects for 1 input", len(res.Mutated))
		}
		for _, v := range res.Verdicts {
			if v.Object != 0 || v.Rule == "" {
				t.Fatalf("verdict %+v", v)
			}
		}
		for _, m := range res.Mutations {
			if m.Object != 0 || m.Mutator == "" {
				t.Fatalf("mutation %+v", m)
			}
		}
		if len(res.Errors) > 0 || res.Mutated[0] == nil {
			return
		}
		again, err := chain.Review(ctx, []admission.Object{res.Mutated[0]})
		if err != nil {
			t.Fatalf("second Review: %v", err)
		}
		if len(again.Errors) == 0 && !reflect.DeepEqual(again.Mutated[0], res.Mutated[0]) {
			t.Fatalf("mutation is not idempotent:\nonce:  %v\ntwice: %v", res.Mutated[0], again.Mutated[0])
		}
	})
}
