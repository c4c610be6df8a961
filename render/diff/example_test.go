package diff_test

import (
	"fmt"
	"os"

	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/diff"
)

func Example() {
	configMap := func(color string) render.Object {
		return render.Object{Content: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "settings", "namespace": "shop"},
			"data":     map[string]any{"color": color},
		}}
	}
	shop := func(objs ...render.Object) *render.Result {
		return &render.Result{Applications: []render.Application{
			{Name: "shop", Namespace: "argocd-system", File: "apps/shop.yaml", Objects: objs},
		}}
	}
	rep := diff.Compare(shop(configMap("blue")), shop(configMap("green")), diff.DefaultOptions())
	fmt.Println(rep.HasChanges(), rep.Summary.Changed)
	if err := diff.Write(os.Stdout, "text", rep, diff.WriteOptions{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// true 1
	// base -> head: 1 of 1 Application changed: 0 resources added, 0 removed, 1 changed.
	//
	// Application argocd-system/shop changed (apps/shop.yaml): 1 changed
	//   changed ConfigMap shop/settings
	//     --- base/core/ConfigMap/shop/settings
	//     +++ head/core/ConfigMap/shop/settings
	//     @@ -1,6 +1,6 @@
	//      apiVersion: v1
	//      data:
	//     -  color: blue
	//     +  color: green
	//      kind: ConfigMap
	//      metadata:
	//        name: settings
}
