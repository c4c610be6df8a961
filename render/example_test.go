package render_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/render"
)

func Example() {
	root, _ := os.MkdirTemp("", "render-example")
	defer os.RemoveAll(root)
	_ = os.MkdirAll(filepath.Join(root, "chart", "templates"), 0o755)
	_ = os.WriteFile(filepath.Join(root, "chart", "Chart.yaml"), []byte("apiVersion: v2\nname: web\nversion: 0.1.0\n"), 0o644)
	_ = os.WriteFile(filepath.Join(root, "chart", "templates", "cm.yaml"),
		[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}-config}\n"), 0o644)

	var app map[string]any
	_ = yaml.Unmarshal([]byte(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/team/deploy.git, path: chart}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`), &app)

	opts := render.DefaultOptions()
	opts.RepoRoot, opts.RepoURL = root, "https://git.example.com/team/deploy.git"
	r, err := render.New(opts)
	if err != nil {
		panic(err)
	}
	res, err := r.Render(context.Background(), []render.Manifest{{File: "apps/shop.yaml", Line: 1, Content: app}})
	if err != nil {
		panic(err)
	}
	for _, a := range res.Applications {
		for _, o := range a.Objects {
			fmt.Println(a.Name, o.GroupVersionKind().Kind, o.Namespace()+"/"+o.Name(), o.File)
		}
	}
	// Output:
	// shop ConfigMap shop/shop-config chart/templates/cm.yaml
}
