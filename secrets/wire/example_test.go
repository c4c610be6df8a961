package wire_test

import (
	"fmt"

	"github.com/ck8sargo/ck8sargo/secrets/wire"
)

func Example() {
	app := []byte(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
spec:
  source:
    repoURL: https://github.com/example/shop.git
    path: deploy/helm/app
    helm:
      valueFiles:
        - values.yaml # defaults
`)
	out, change, err := wire.AddSecretsValueFile(app, "secrets.yaml", wire.DefaultTarget())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(change.Source, change.Added)
	fmt.Print(string(out))
	// Output:
	// spec.source true
	// apiVersion: argoproj.io/v1alpha1
	// kind: Application
	// metadata:
	//   name: shop
	// spec:
	//   source:
	//     repoURL: https://github.com/example/shop.git
	//     path: deploy/helm/app
	//     helm:
	//       valueFiles:
	//         - values.yaml # defaults
	//         - secrets://secrets.yaml
}
