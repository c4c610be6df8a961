package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// runNoCluster runs the command tree in-process with the default profile and no cluster,
// bounded by a minute.
func runNoCluster(t *testing.T, args ...string) cmdResult {
	t.Helper()
	return executeWithinAMinute("", append(args, "--profile", profileFile(t, argocdmanaged.DefaultProfile()), "--kubeconfig", filepath.Join(t.TempDir(), "no-kubeconfig"))...)
}

const cliLeakMarker = "CLILEAK-4f2a9b-value"

// leakyNotifyFiles writes a ConfigMap whose templates put the Secret's value into an error,
// a rendered message and a webhook body, the Secret, and an Application subscribed to it.
func leakyNotifyFiles(t *testing.T, webhookURL string) (cm, secret, app string) {
	t.Helper()
	dir := t.TempDir()
	cm = writeFile(t, dir, "cm.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-notifications-cm
  namespace: argocd-system
data:
  service.webhook.hook: |
    url: `+webhookURL+`
    retryMax: 1
    retryWaitMin: 1000000
    retryWaitMax: 2000000
  trigger.on-fail: |
    - when: 'true'
      send: [fails]
  trigger.on-body: |
    - when: 'true'
      send: [body]
  template.fails: |
    message: '{{ fail (index .secrets "token" | toString) }}'
  template.body: |
    message: '{{ index .secrets "token" | toString }}'
    webhook:
      hook:
        method: POST
        body: '{"token": "{{ index .secrets "token" | toString }}"}'
`)
	secret = writeFile(t, dir, "secret.yaml", `apiVersion: v1
kind: Secret
metadata:
  name: argocd-notifications-secret
  namespace: argocd-system
stringData:
  token: `+cliLeakMarker+`
`)
	app = writeFile(t, dir, "app.yaml", `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
  annotations:
    notifications.argoproj.io/subscribe.on-fail.hook: ""
    notifications.argoproj.io/subscribe.on-body.hook: ""
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  source: {repoURL: https://git.example.com/shop.git, path: deploy}
`)
	return cm, secret, app
}

func TestNotifyLintAndTestRedactSecretValuesInEveryOutputFormat(t *testing.T) {
	// The webhook answers 400 with what it was sent, as services quoting the request do.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	cm, secret, app := leakyNotifyFiles(t, srv.URL+"/hook/$token")

	var runs []struct {
		args []string
		code int
	}
	for _, format := range lintFormats() {
		runs = append(runs, struct {
			args []string
			code int
		}{[]string{"notify", "lint", "--config-map", cm, "--secret", secret, app, "-o", format, "--fail-on", "warning"}, ExitFindings})
	}
	for _, format := range []string{"text", "json", "yaml"} {
		for _, extra := range [][]string{nil, {"--send"}} {
			runs = append(runs, struct {
				args []string
				code int
			}{append([]string{"notify", "test", "-f", app, "--config-map", cm, "--secret", secret, "-o", format}, extra...), ExitFindings})
		}
	}
	for _, run := range runs {
		t.Run(strings.Join(run.args[1:2], " ")+" "+strings.Join(run.args[len(run.args)-2:], " "), func(t *testing.T) {
			r := runNoCluster(t, run.args...)
			assert.Equal(t, run.code, r.code, r.msg+r.stderr)
			all := r.stdout + r.stderr + r.msg
			assert.NotContains(t, all, "CLILEAK", "a Secret value was printed")
			assert.Contains(t, all, "redacted: value of Secret key", "the output says what was redacted")
		})
	}

	t.Run("show-secrets shows the rendered body and warns", func(t *testing.T) {
		r := runNoCluster(t, "notify", "test", "-f", app, "--config-map", cm, "--secret", secret, "--trigger", "on-body", "--show-secrets")
		assert.Equal(t, ExitOK, r.code, r.msg)
		assert.Contains(t, r.stdout, `body: {"token": "`+cliLeakMarker+`"}`)
		assert.Contains(t, r.stderr, "warning: --show-secrets")
	})
}
