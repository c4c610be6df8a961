package appset_test

import (
	"context"
	"fmt"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/render/appset"
	"sigs.k8s.io/yaml"
)

func Example() {
	var appSet map[string]any
	_ = yaml.Unmarshal([]byte(`
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: shop, namespace: argocd-system}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - {env: staging}
      - {env: production}
  template:
    metadata: {name: 'shop-{{.env}}'}
    spec:
      project: default
      source: {repoURL: https://example.com/shop.git, path: 'deploy/{{.env}}'}
      destination: {server: https://kubernetes.default.svc, namespace: 'shop-{{.env | trunc 4}}'}
`), &appSet)
	res, err := appset.Generate(context.Background(), appSet, appset.Options{Profile: argocdmanaged.DefaultProfile()})
	if err != nil {
		panic(err)
	}
	for _, app := range res.Applications {
		md := app["metadata"].(map[string]any)
		dest := app["spec"].(map[string]any)["destination"].(map[string]any)
		fmt.Println(md["namespace"], md["name"], dest["namespace"])
	}
	// Output:
	// argocd-system shop-staging shop-stag
	// argocd-system shop-production shop-prod
}
