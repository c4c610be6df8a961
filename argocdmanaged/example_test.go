package argocdmanaged_test

import (
	"fmt"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// A repository's .ck8sargo.yaml overrides the built-in facts; the profile then answers the
// questions every check asks.
func Example() {
	file := []byte(`apiVersion: ck8sargo.io/v1alpha1
kind: Profile
namespaces:
  managed: [shop, shop-staging]
`)
	p, err := argocdmanaged.ParseProfile(file, ".ck8sargo.yaml", argocdmanaged.DefaultProfile())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.ArgoCD.Namespace, p.Source("argocd.namespace"))
	fmt.Println(p.IsManagedNamespace("shop"), p.Source("namespaces.managed"))
	fmt.Println(p.IsManagedNamespace("kube-system"), p.IsPlatformNamespace("kube-system"))
	// Output:
	// argocd-system default
	// true .ck8sargo.yaml:4
	// false true
}

// Decoding and encoding an Application keeps the fields this package does not model.
func ExampleDecode() {
	app := &argocdmanaged.Application{}
	err := argocdmanaged.Decode([]byte(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd-system}
spec:
  project: shop
  revisionHistoryLimit: 3
  source: {repoURL: https://github.com/example/shop.git, path: chart}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`), app)
	if err != nil {
		fmt.Println(err)
		return
	}
	app.Spec.Source.Helm = &argocdmanaged.ApplicationSourceHelm{ValueFiles: []string{"secrets://secrets.yaml"}}
	out, _ := argocdmanaged.Encode(app)
	fmt.Print(string(out))
	// Output:
	// apiVersion: argoproj.io/v1alpha1
	// kind: Application
	// metadata:
	//   name: shop
	//   namespace: argocd-system
	// spec:
	//   destination:
	//     namespace: shop
	//     server: https://kubernetes.default.svc
	//   project: shop
	//   revisionHistoryLimit: 3
	//   source:
	//     helm:
	//       valueFiles:
	//       - secrets://secrets.yaml
	//     path: chart
	//     repoURL: https://github.com/example/shop.git
}
