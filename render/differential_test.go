package render_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/render"
)

// peerCase is one Application rendered both by Render and by the upstream CLI run with
// the arguments Argo CD v3.5's repo server passes it (util/helm/cmd.go,
// util/kustomize/kustomize.go).
type peerCase struct {
	name   string
	source string // spec.source, YAML
	// helm: the arguments after `helm template DIR`; kustomize: `kustomize edit` commands
	// run on a copy of the overlay before `kustomize build`, as Argo CD runs them.
	helm  []string
	edits [][]string
	dir   string // the chart or overlay, relative to the corpus root
	build []string
}

// webChart is a chart shaped like the common public ones: helpers, conditionals,
// capabilities, a CRD, a schema, a test hook, a vendored subchart with globals.
var webChart = map[string]string{
	"charts/web/Chart.yaml": `apiVersion: v2
name: web
version: 1.4.2
appVersion: "2.1.0"
dependencies:
- {name: cache, version: 0.3.0, condition: cache.enabled}
`,
	"charts/web/values.yaml": `replicaCount: 1
image: {repository: harbor.example.com/shop/web, tag: "", pullPolicy: IfNotPresent}
nameOverride: ""
fullnameOverride: ""
serviceAccount: {create: true, annotations: {}, name: ""}
podAnnotations: {}
service: {type: ClusterIP, port: 80}
ingress:
  enabled: false
  className: nginx
  hosts: [{host: shop.example.com, paths: [{path: /, pathType: Prefix}]}]
  tls: []
resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
autoscaling: {enabled: false, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80}
config: {logLevel: info, features: [a, b]}
env: {}
global: {region: eu-north-1}
cache: {enabled: true}
`,
	"charts/web/values.schema.json": `{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
 "properties": {"replicaCount": {"type": "integer", "minimum": 0}, "image": {"type": "object", "required": ["repository"]}}}
`,
	"charts/web/values-prod.yaml": "replicaCount: 3\ningress: {enabled: true, tls: [{secretName: shop-tls, hosts: [shop.example.com]}]}\nautoscaling: {enabled: true}\nenv: {MODE: prod, WORKERS: \"4\"}\n",
	"charts/web/templates/_helpers.tpl": `{{- define "web.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "web.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}
{{- define "web.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "web.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
{{- define "web.selectorLabels" -}}
app.kubernetes.io/name: {{ include "web.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "web.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}{{ default (include "web.fullname" .) .Values.serviceAccount.name }}{{ else }}{{ default "default" .Values.serviceAccount.name }}{{ end }}
{{- end }}
`,
	"charts/web/templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "web.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "web.selectorLabels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ include "web.serviceAccountName" . }}
      containers:
      - name: {{ .Chart.Name }}
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
        imagePullPolicy: {{ .Values.image.pullPolicy }}
        ports: [{name: http, containerPort: 8080, protocol: TCP}]
        env:
        - {name: REGION, value: {{ .Values.global.region | quote }}}
        {{- range $k, $v := .Values.env }}
        - {name: {{ $k }}, value: {{ $v | quote }}}
        {{- end }}
        resources:
          {{- toYaml .Values.resources | nindent 10 }}
`,
	"charts/web/templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "web.fullname" . }}-config
  labels: {{- include "web.labels" . | nindent 4 }}
data:
  config.yaml: |
    {{- toYaml .Values.config | nindent 4 }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
`,
	"charts/web/templates/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: {{ include "web.fullname" . }}
  labels: {{- include "web.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports: [{port: {{ .Values.service.port }}, targetPort: http, protocol: TCP, name: http}]
  selector: {{- include "web.selectorLabels" . | nindent 4 }}
`,
	"charts/web/templates/serviceaccount.yaml": `{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "web.serviceAccountName" . }}
  labels: {{- include "web.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations: {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
`,
	"charts/web/templates/ingress.yaml": `{{- if .Values.ingress.enabled -}}
{{- if .Capabilities.APIVersions.Has "networking.k8s.io/v1/Ingress" }}
apiVersion: networking.k8s.io/v1
{{- else }}
apiVersion: networking.k8s.io/v1beta1
{{- end }}
kind: Ingress
metadata:
  name: {{ include "web.fullname" . }}
  labels: {{- include "web.labels" . | nindent 4 }}
spec:
  ingressClassName: {{ .Values.ingress.className }}
  {{- if .Values.ingress.tls }}
  tls:
    {{- range .Values.ingress.tls }}
    - hosts: {{- range .hosts }}
        - {{ . | quote }}
        {{- end }}
      secretName: {{ .secretName }}
    {{- end }}
  {{- end }}
  rules:
    {{- range .Values.ingress.hosts }}
    - host: {{ .host | quote }}
      http:
        paths:
          {{- range .paths }}
          - path: {{ .path }}
            pathType: {{ .pathType }}
            backend: {service: {name: {{ include "web.fullname" $ }}, port: {number: {{ $.Values.service.port }}}}}
          {{- end }}
    {{- end }}
{{- end }}
`,
	"charts/web/templates/hpa.yaml": `{{- if .Values.autoscaling.enabled }}
{{- if semverCompare ">=1.23-0" .Capabilities.KubeVersion.GitVersion }}
apiVersion: autoscaling/v2
{{- else }}
apiVersion: autoscaling/v2beta2
{{- end }}
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "web.fullname" . }}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{ include "web.fullname" . }}}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}}}}]
{{- end }}
`,
	"charts/web/templates/tests/test-connection.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: "{{ include "web.fullname" . }}-test-connection"
  annotations: {"helm.sh/hook": test}
spec:
  containers: [{name: wget, image: busybox, command: [wget], args: ['{{ include "web.fullname" . }}:{{ .Values.service.port }}']}]
  restartPolicy: Never
`,
	"charts/web/templates/job-migrate.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "web.fullname" . }}-migrate
  annotations: {"helm.sh/hook": pre-install,pre-upgrade, "helm.sh/hook-weight": "-5"}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}", args: [migrate]}]
`,
	"charts/web/templates/NOTES.txt": "Visit http://{{ include \"web.fullname\" . }}\n",
	"charts/web/crds/widgets.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.shop.example.com}
spec:
  group: shop.example.com
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
`,
	"charts/web/charts/cache/Chart.yaml":  "apiVersion: v2\nname: cache\nversion: 0.3.0\n",
	"charts/web/charts/cache/values.yaml": "port: 6379\nmaxmemory: 64mb\n",
	"charts/web/charts/cache/templates/statefulset.yaml": `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: {{ .Release.Name }}-cache}
spec:
  serviceName: {{ .Release.Name }}-cache
  selector: {matchLabels: {app: {{ .Release.Name }}-cache}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}-cache}}
    spec:
      containers: [{name: redis, image: redis:7, args: [--maxmemory, {{ .Values.maxmemory }}], env: [{name: REGION, value: {{ .Values.global.region }}}], ports: [{containerPort: {{ .Values.port }}}]}]
`,
	"charts/web/.helmignore":            "*.bak\n",
	"charts/web/templates/old.yaml.bak": "not: [valid\n",
}

// shopOverlays are overlays shaped like a common GitOps layout: a base, an environment
// overlay with patches, generators, images, replicas and a component.
var shopOverlays = map[string]string{
	"kustomize/base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml, service.yaml]
labels:
- pairs: {app.kubernetes.io/part-of: shop}
  includeSelectors: false
configMapGenerator:
- name: shop-config
  literals: [LOG_LEVEL=info, FEATURES=a]
`,
	"kustomize/base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
      - name: shop
        image: harbor.example.com/shop/shop:1.0
        envFrom: [{configMapRef: {name: shop-config}}]
        resources: {requests: {cpu: 50m, memory: 64Mi}}
`,
	"kustomize/base/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: shop}\nspec:\n  selector: {app: shop}\n  ports: [{port: 80, targetPort: 8080}]\n",
	"kustomize/components/metrics/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- target: {kind: Deployment}
  patch: |-
    - op: add
      path: /spec/template/metadata/annotations
      value: {prometheus.io/scrape: "true"}
`,
	"kustomize/overlays/prod/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop-prod
resources: [../../base, pdb.yaml]
components: [../../components/metrics]
images:
- {name: harbor.example.com/shop/shop, newTag: "1.2.3"}
replicas:
- {name: shop, count: 3}
configMapGenerator:
- name: shop-config
  behavior: merge
  literals: [LOG_LEVEL=warn]
secretGenerator:
- name: shop-db
  literals: [user=shop]
patches:
- path: resources.yaml
- target: {kind: Service, name: shop}
  patch: |-
    - op: replace
      path: /spec/ports/0/port
      value: 8080
`,
	"kustomize/overlays/prod/resources.yaml":      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: shop, resources: {limits: {memory: 128Mi}}}]\n",
	"kustomize/overlays/prod/pdb.yaml":            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: shop}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: shop}}\n",
	"kustomize/overlays/plain/kustomization.yaml": "resources: [../../base]\n",
}

var peerCases = []peerCase{
	{name: "web", dir: "charts/web", source: "path: charts/web",
		helm: []string{"--name-template", "web", "--namespace", "shop", "--include-crds"}},
	{name: "web-prod", dir: "charts/web",
		source: "path: charts/web\nhelm:\n  releaseName: shop\n  valueFiles: [values-prod.yaml]\n  values: |\n    podAnnotations: {team: shop}\n  parameters:\n  - {name: image.tag, value: \"2.2.0\"}\n  - {name: service.port, value: \"8080\", forceString: true}\n  - {name: cache.enabled, value: \"false\"}\n  kubeVersion: \"1.31.0\"\n  apiVersions: [networking.k8s.io/v1/Ingress]",
		helm: []string{"--name-template", "shop", "--namespace", "shop", "--kube-version", "1.31.0",
			"--set", "image.tag=2.2.0", "--set", "cache.enabled=false", "--set-string", "service.port=8080",
			"--values", "values-prod.yaml", "--values", "@inline", "--api-versions", "networking.k8s.io/v1/Ingress", "--include-crds"}},
	{name: "web-old-cluster", dir: "charts/web",
		source: "path: charts/web\nhelm:\n  valueFiles: [values-prod.yaml]\n  kubeVersion: \"1.22.0\"\n  skipCrds: true\n  skipTests: true",
		helm:   []string{"--name-template", "web-old-cluster", "--namespace", "shop", "--kube-version", "1.22.0", "--values", "values-prod.yaml", "--skip-tests"}},
	{name: "web-gke", dir: "charts/web",
		source: "path: charts/web\nhelm:\n  kubeVersion: v1.30.4-gke.1000",
		helm:   []string{"--name-template", "web-gke", "--namespace", "shop", "--kube-version", "1.30.4", "--include-crds"}},
	{name: "web-override", dir: "charts/web",
		source: "path: charts/web\nhelm:\n  valuesObject: {fullnameOverride: storefront, serviceAccount: {create: false}, ingress: {enabled: true}}\n  skipSchemaValidation: true",
		helm:   []string{"--name-template", "web-override", "--namespace", "shop", "--values", "@inline", "--include-crds", "--skip-schema-validation"}},
	{name: "shop-prod", dir: "kustomize/overlays/prod", source: "path: kustomize/overlays/prod", build: []string{}},
	{name: "shop-edited", dir: "kustomize/overlays/plain",
		source: "path: kustomize/overlays/plain\nkustomize:\n  namePrefix: eu-\n  nameSuffix: -v2\n  images: [harbor.example.com/shop/shop:2.0.0]\n  commonLabels: {team: shop}\n  commonAnnotations: {owner: shop-team}\n  namespace: shop-eu\n  replicas: [{name: shop, count: 2}]",
		edits: [][]string{{"set", "nameprefix", "--", "eu-"}, {"set", "namesuffix", "--", "-v2"},
			{"set", "image", "harbor.example.com/shop/shop:2.0.0"}, {"set", "replicas", "shop=2"},
			{"add", "label", "team:shop"}, {"add", "annotation", "owner:shop-team"}, {"set", "namespace", "--", "shop-eu"}}},
	{name: "shop-force-labels", dir: "kustomize/overlays/prod",
		source: "path: kustomize/overlays/prod\nkustomize:\n  commonLabels: {app.kubernetes.io/part-of: platform}\n  forceCommonLabels: true\n  labelWithoutSelector: true",
		edits:  [][]string{{"add", "label", "--force", "--without-selector", "app.kubernetes.io/part-of:platform"}}},
}

// clusterScopedKinds are the kinds of the corpus that Argo CD leaves without a namespace.
var clusterScopedKinds = map[string]bool{"CustomResourceDefinition": true, "Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true}

// TestRenderMatchesHelmAndKustomize renders the corpus with Render and with the `helm
// template` and `kustomize build` CLIs built from the module proxy (tools/helm,
// tools/kustomize), and requires the same objects. Differences that Argo CD itself makes
// after the repo server are applied to the CLIs' output, and are the only ones allowed:
// namespaced objects without a namespace get the destination's, and Helm test hooks are
// not deployed.
func TestRenderMatchesHelmAndKustomize(t *testing.T) {
	helm, kustomize := requirePeerBinaries(t)
	root := t.TempDir()
	writeFiles(t, root, webChart)
	writeFiles(t, root, shopOverlays)
	r := renderer(t, root, nil)
	compared := 0
	for _, c := range peerCases {
		t.Run(c.name, func(t *testing.T) {
			m := app(c.name, "repoURL: "+testRepo+"\n"+c.source)
			res := renderApps(t, r, m)
			a := find(res, c.name)
			require.NotNil(t, a)
			require.Empty(t, a.Notes)
			got := renderedObjects(t, a)
			var out []byte
			if c.helm != nil {
				out = runHelm(t, helm, filepath.Join(root, c.dir), m, c.helm)
			} else {
				out = runKustomize(t, kustomize, root, c.dir, c.edits)
			}
			want := cliObjects(t, out)
			require.NotEmpty(t, want)
			assertSameObjects(t, want, got)
			compared += len(want)
		})
	}
	t.Logf("%d Applications, %d objects compared with helm template and kustomize build", len(peerCases), compared)
}

// peerBinaries are the helm and kustomize CLIs that make test-bin builds, and the first
// of them that is not there ("" when both are).
func peerBinaries() (helm, kustomize, missing string) {
	helm, kustomize = filepath.Join(testenv.BinDir(), "helm"), filepath.Join(testenv.BinDir(), "kustomize")
	for _, b := range []string{helm, kustomize} {
		if _, err := os.Stat(b); err != nil {
			return helm, kustomize, b
		}
	}
	return helm, kustomize, ""
}

// requirePeerBinaries skips a short run and fails a test whose peer binaries are missing:
// a full run must compare with them.
func requirePeerBinaries(t *testing.T) (helm, kustomize string) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the helm and kustomize peer binaries (make test-bin)")
	}
	helm, kustomize, missing := peerBinaries()
	if missing != "" {
		t.Fatalf("%s not found: run `make test-bin` (tools/helm/build.sh, tools/kustomize/build.sh)", missing)
	}
	return helm, kustomize
}

// renderedObjects is what Render made of an Application, by canonical key.
func renderedObjects(t *testing.T, a *render.Application) map[string]string {
	t.Helper()
	objs := map[string]string{}
	for _, o := range a.Objects {
		k, v := canonical(t, o.Content)
		objs[k] = v
	}
	return objs
}

// cliObjects is the multi-document output of the helm or kustomize CLI, by canonical key,
// with what Argo CD itself does after the repo server applied: Helm test hooks are not
// deployed, and namespaced objects without a namespace get the destination's (shop).
func cliObjects(t *testing.T, out []byte) map[string]string {
	t.Helper()
	objs := map[string]string{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if obj == nil || strings.HasPrefix(annotation(obj, "helm.sh/hook"), "test") {
			continue
		}
		md := obj["metadata"].(map[string]any)
		if md["namespace"] == nil && !clusterScopedKinds[obj["kind"].(string)] {
			md["namespace"] = "shop"
		}
		k, v := canonical(t, obj)
		objs[k] = v
	}
	return objs
}

// assertSameObjects requires the same keys in want and got, and the same object under each.
func assertSameObjects(t *testing.T, want, got map[string]string) {
	t.Helper()
	assert.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got)))
	for k, w := range want {
		assert.Equal(t, w, got[k], k)
	}
}

func annotation(obj map[string]any, key string) string {
	md, _ := obj["metadata"].(map[string]any)
	an, _ := md["annotations"].(map[string]any)
	s, _ := an[key].(string)
	return s
}

// canonical is an object's key (kind namespace/name) and its JSON with numbers as JSON
// reads them.
func canonical(t *testing.T, obj map[string]any) (string, string) {
	data, err := json.Marshal(obj)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(data, &v))
	out, err := json.MarshalIndent(v, "", " ")
	require.NoError(t, err)
	md := obj["metadata"].(map[string]any)
	return fmt.Sprintf("%s %s %v/%v", obj["apiVersion"], obj["kind"], md["namespace"], md["name"]), string(out)
}

// runHelm runs helm template in the chart directory with args; "@inline" is the
// Application's values or valuesObject written to a file, as Argo CD passes them.
func runHelm(t *testing.T, helm, dir string, m render.Manifest, args []string) []byte {
	args = slices.Clone(args)
	for i, a := range args {
		if a != "@inline" {
			continue
		}
		h := m.Content["spec"].(map[string]any)["source"].(map[string]any)["helm"].(map[string]any)
		var text []byte
		if s, ok := h["values"].(string); ok {
			text = []byte(s)
		} else {
			var err error
			text, err = yaml.Marshal(h["valuesObject"])
			require.NoError(t, err)
		}
		p := filepath.Join(t.TempDir(), "values.yaml")
		require.NoError(t, os.WriteFile(p, text, 0o600))
		args[i] = p
	}
	cmd := exec.Command(helm, append([]string{"template", "."}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "helm template: %s", stderr.String())
	return out
}

// runKustomize copies the corpus, runs the kustomize edit commands in the overlay as Argo
// CD does, then kustomize build.
func runKustomize(t *testing.T, kustomize, root, dir string, edits [][]string) []byte {
	tmp := t.TempDir()
	require.NoError(t, os.CopyFS(tmp, os.DirFS(root)))
	overlay := filepath.Join(tmp, dir)
	for _, e := range edits {
		cmd := exec.Command(kustomize, append([]string{"edit"}, e...)...)
		cmd.Dir = overlay
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "kustomize edit %v: %s", e, out)
	}
	cmd := exec.Command(kustomize, "build", overlay)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "kustomize build: %s", stderr.String())
	return out
}

// BenchmarkHelmInProcessVersusCLI renders the web chart with its production values in
// process and with the helm template CLI, side by side: the figure is at most
// 0.5× the CLI's time.
func BenchmarkHelmInProcessVersusCLI(b *testing.B) {
	root := b.TempDir()
	writeFilesB(b, root, webChart)
	m := app("web", "repoURL: "+testRepo+"\npath: charts/web\nhelm: {valueFiles: [values-prod.yaml]}")
	opts := render.DefaultOptions()
	opts.RepoRoot, opts.RepoURL = root, testRepo
	r, err := render.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			res, err := r.Render(context.Background(), []render.Manifest{m})
			if err != nil || len(res.Applications[0].Objects) == 0 || len(res.Applications[0].Notes) > 0 {
				b.Fatalf("render: %v %v", err, res.Applications[0].Notes)
			}
		}
	})
	helm := filepath.Join(testenv.BinDir(), "helm")
	if _, err := os.Stat(helm); err != nil {
		b.Skip("helm not built: make test-bin")
	}
	b.Run("helm-template-cli", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(helm, "template", ".", "--name-template", "web", "--namespace", "shop", "--values", "values-prod.yaml", "--include-crds")
			cmd.Dir = filepath.Join(root, "charts/web")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("helm: %v: %s", err, out)
			}
		}
	})
}
