package render_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ck8sargo/ck8sargo/render"
)

// BenchmarkRender200ApplicationsOver20Charts renders 200 Applications, ten per chart of 20
// in-repo charts, each with a value file: the figure is at most 3 s on 2 cores.
func BenchmarkRender200ApplicationsOver20Charts(b *testing.B) {
	root := b.TempDir()
	files := map[string]string{}
	var apps []render.Manifest
	for c := range 20 {
		dir := fmt.Sprintf("charts/c%02d", c)
		files[dir+"/Chart.yaml"] = fmt.Sprintf("apiVersion: v2\nname: c%02d\nversion: 0.1.0\n", c)
		files[dir+"/values.yaml"] = "replicas: 2\nimage: {repository: harbor.example.com/shop/web, tag: \"1.0\"}\nport: 8080\n"
		files[dir+"/templates/_helpers.tpl"] = "{{- define \"labels\" -}}\napp.kubernetes.io/name: {{ .Chart.Name }}\napp.kubernetes.io/instance: {{ .Release.Name }}\n{{- end -}}\n"
		files[dir+"/templates/deploy.yaml"] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {{- include "labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {{- include "labels" . | nindent 6 }}
  template:
    metadata:
      labels: {{- include "labels" . | nindent 8 }}
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        ports: [{containerPort: {{ .Values.port }}}]
        resources: {requests: {cpu: 100m, memory: 128Mi}}
`
		files[dir+"/templates/svc.yaml"] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector: {{- include \"labels\" . | nindent 4 }}\n  ports: [{port: 80, targetPort: {{ .Values.port }}}]\n"
		files[dir+"/values-prod.yaml"] = "replicas: 3\n"
		for a := range 10 {
			name := fmt.Sprintf("app-%02d-%d", c, a)
			apps = append(apps, app(name, "repoURL: "+testRepo+"\npath: "+dir+"\nhelm: {valueFiles: [values-prod.yaml]}\n"))
		}
	}
	writeFilesB(b, root, files)
	opts := render.DefaultOptions()
	opts.RepoRoot, opts.RepoURL = root, testRepo
	r, err := render.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.Render(context.Background(), apps)
		if err != nil || len(res.Applications) != 200 || len(res.Applications[0].Objects) != 2 {
			b.Fatalf("render: %v", err)
		}
	}
}
