package main_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// exampleApps is a repository shaped like argoproj/argocd-example-apps, as a new user
// would check it: the guestbook directory, a kustomize variant of the vars era with the
// deprecated commonLabels, a chart that still has a requirements.yaml, and an
// Application whose path has a typo.
var exampleApps = map[string]string{
	".ck8sargo.yaml":                         "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nnamespaces: {managed: [shop]}\n",
	"apps/guestbook.yaml":                    exampleApp("guestbook", "guestbook", "guestbook"),
	"apps/kustomize-guestbook.yaml":          exampleApp("kustomize-guestbook", "kustomize-guestbook", "shop"),
	"apps/helm-guestbook.yaml":               exampleApp("helm-guestbook", "helm-guestbook", "shop"),
	"apps/typo.yaml":                         exampleApp("typo", "gustbook", "shop"),
	"guestbook/guestbook-ui-deployment.yaml": guestbookDeployment,
	"guestbook/guestbook-ui-svc.yaml":        guestbookService,
	"kustomize-guestbook/kustomization.yaml": `namePrefix: kustomize-
commonLabels:
  app.kubernetes.io/part-of: guestbook
resources:
- guestbook-ui-deployment.yaml
- guestbook-ui-svc.yaml
vars:
- name: GUESTBOOK_SERVICE
  objref: {kind: Service, name: guestbook-ui, apiVersion: v1}
  fieldref: {fieldpath: metadata.name}
`,
	"kustomize-guestbook/guestbook-ui-deployment.yaml": guestbookDeployment,
	"kustomize-guestbook/guestbook-ui-svc.yaml":        guestbookService,
	"helm-guestbook/Chart.yaml":                        "apiVersion: v2\nname: helm-guestbook\ndescription: A Helm chart for Kubernetes\nversion: 0.1.0\n",
	"helm-guestbook/requirements.yaml":                 "dependencies: []\n",
	"helm-guestbook/values.yaml":                       "replicaCount: 2\n",
	"helm-guestbook/templates/config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  replicas: "{{ .Values.replicaCount }}"
`,
}

// exampleApp is an Application of the example apps repository with the source path and
// destination namespace given. The findings' line numbers are asserted below: the path is
// at line 11 and the destination namespace at line 14.
func exampleApp(name, path, namespace string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
  namespace: argocd-system
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: %s
  destination:
    server: https://kubernetes.default.svc
    namespace: %s
`, name, path, namespace)
}

const guestbookDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook-ui
spec:
  replicas: 2
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app: guestbook-ui
  template:
    metadata:
      labels:
        app: guestbook-ui
    spec:
      containers:
      - image: gcr.io/heptio-images/ks-guestbook-demo:0.2
        name: guestbook-ui
        ports:
        - containerPort: 80
`

const guestbookService = `apiVersion: v1
kind: Service
metadata:
  name: guestbook-ui
spec:
  ports:
  - port: 80
    targetPort: 80
  selector:
    app: guestbook-ui
`

func TestPolicyCheckOnTheExampleAppsPrintsOnlyItsReport(t *testing.T) {
	dir := t.TempDir()
	fixture.WriteFiles(t, dir, exampleApps)
	r := runPlugin(t, dir, filepath.Join(dir, "no-kubeconfig"), "policy", "check", "--offline",
		"--repo-root", ".", "--repo-url", "https://github.com/argoproj/argocd-example-apps.git", ".")
	assert.Equal(t, 1, r.Code, r.Stdout)
	assert.Empty(t, r.Stderr, "helm and kustomize print nothing of their own")

	lines := func(rule string) []string {
		var out []string
		for _, l := range strings.Split(r.Stdout, "\n") {
			if strings.Contains(l, " "+rule+" ") {
				out = append(out, l)
			}
		}
		return out
	}
	// The unmanaged destination once, on the Application, with what it would receive.
	assert.Equal(t, []string{
		`apps/guestbook.yaml:14 destination-namespace-not-managed error Application argocd-system/guestbook: destination namespace "guestbook" is not among the managed namespaces [shop]; it would receive 2 objects: Deployment guestbook-ui, Service guestbook-ui`,
	}, lines("destination-namespace-not-managed"))
	// The typo at the path line, saying what Argo CD would.
	assert.Equal(t, []string{
		`apps/typo.yaml:11 render-failed error Application argocd-system/typo: source path "gustbook" does not exist in the repository; Argo CD cannot generate the manifests ("gustbook: app path does not exist") (rendered by Application typo)`,
	}, lines("render-failed"))
	// The libraries' warnings as info findings at the path lines.
	assert.Equal(t, []string{
		`apps/helm-guestbook.yaml:11 render-warning info Application argocd-system/helm-guestbook: helm printed: Warning: Dependencies are handled in Chart.yaml since apiVersion "v2". We recommend migrating dependencies to Chart.yaml. (rendered by Application helm-guestbook)`,
		`apps/kustomize-guestbook.yaml:11 render-warning info Application argocd-system/kustomize-guestbook: kustomize printed: Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically. (rendered by Application kustomize-guestbook)`,
		`apps/kustomize-guestbook.yaml:11 render-warning info Application argocd-system/kustomize-guestbook: kustomize printed: well-defined vars that were never replaced: GUESTBOOK_SERVICE (rendered by Application kustomize-guestbook)`,
	}, lines("render-warning"))
}
