package admission_test

import (
	"context"
	"fmt"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// A Pod without a securityContext is admitted on the platform's defaults: the mutators
// make it pass Pod Security restricted, and the note says what the image must allow.
func Example() {
	ctx := context.Background()
	p := argocdmanaged.DefaultProfile()
	chain, problems, err := admission.New(ctx, admission.Builtin(p), admission.DefaultOptions(p))
	if err != nil || len(problems) > 0 {
		fmt.Println(err, problems)
		return
	}
	pod := admission.Object{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "web", "namespace": "shop"},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "web", "image": "nginx",
			"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "64Mi"}},
		}}},
	}
	res, err := chain.Review(ctx, []admission.Object{pod})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range res.Verdicts {
		fmt.Printf("%s %s: %s\n", v.Severity, v.Rule, v.Message)
	}
	for _, m := range res.Mutations {
		if m.Note != "" {
			fmt.Println("note:", m.Note)
		}
	}
	// Output:
	// error gatekeeper/K8sDisallowedTags: container "web" uses image "nginx" without a tag, which means latest
	// warning gatekeeper/K8sRequireNetworkPolicy: the Pods of Pod "web" are not selected by any NetworkPolicy in namespace shop
	// note: the platform sets runAsNonRoot: true on container "web"; the image must run as a non-root user (a numeric USER in the image, or runAsUser), or the Pod does not start
}
