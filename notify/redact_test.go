package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
	"github.com/ck8sargo/ck8sargo/policy/report"
)

// Markers planted as Secret values; none may appear in any output.
const (
	leakToken = "LEAKMARK-token-7d1f9c"
	leakSpace = "LEAKMARK  spaced\tvalue"
)

// leakyConfig is a configuration whose templates put Secret values into errors and
// messages in every way a template can: fail with a value and in a printf, a []byte printed as is, toString,
// b64enc, quote; and a webhook whose server echoes the body into its error.
func leakyConfig(t *testing.T, webhookURL string) *notify.Config {
	t.Helper()
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	cfg.SecretExists = true
	cfg.SecretData["token"] = []byte(leakToken)
	cfg.SecretData["spaced"] = []byte(leakSpace)
	cfg.SecretData["short"] = []byte("abc")
	cfg.Data["service.webhook.hook"] = "url: " + webhookURL + "\nretryMax: 1\nretryWaitMin: 1000000\nretryWaitMax: 2000000\n"
	cfg.Data["trigger.on-any"] = "- when: 'true'\n  send: [fails]\n"
	cfg.Data["trigger.on-body"] = "- when: 'true'\n  send: [bytes, body]\n"
	cfg.Data["trigger.on-other"] = "- when: 'true'\n  send: [spaced]\n"
	cfg.Data["template.fails"] = `message: '{{ fail (index .secrets "token" | toString) }}'` + "\n"
	cfg.Data["template.spaced"] = `message: '{{ fail (printf "missing %s" (index .secrets "spaced" | toString)) }}'` + "\n"
	cfg.Data["template.bytes"] = `message: '{{ index .secrets "token" }} {{ index .secrets "token" | toString | b64enc }} {{ index .secrets "token" | toString | quote }}'` + "\n"
	cfg.Data["template.body"] = "webhook:\n  hook:\n    method: POST\n    body: '{\"t\": \"{{ index .secrets \"token\" | toString }}\"}'\n"
	return cfg
}

func leakyApp(t *testing.T) *argocdmanaged.Application {
	t.Helper()
	app := &argocdmanaged.Application{}
	require.NoError(t, argocdmanaged.Decode([]byte(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
  annotations:
    notifications.argoproj.io/subscribe.on-any.hook: ""
    notifications.argoproj.io/subscribe.on-other.hook: ""
    notifications.argoproj.io/subscribe.on-body.hook: ""
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  source: {repoURL: https://git.example.com/shop.git, path: deploy}
`), app))
	return app
}

// echoServer answers every request with 400 and the request's body, as a service that
// quotes what it was sent in its error would.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func assertNoLeak(t *testing.T, what, out string) {
	t.Helper()
	assert.NotContains(t, out, "LEAKMARK", what)
	assert.NotContains(t, out, "TEVBS01BUks", what) // base64 of the marker's start
	assert.NotContains(t, out, "76 69 65 75 77 65 82 75", what)
}

func TestLintRedactsSecretValuesFromFindingsInEveryFormat(t *testing.T) {
	cfg := leakyConfig(t, "http://127.0.0.1:1/$token")
	rep := notify.Lint(cfg, notify.LintOptions{})
	require.NotEmpty(t, rep.Findings)
	redacted := false
	for _, f := range rep.Findings {
		redacted = redacted || strings.Contains(f.Message, notify.RedactedMark+`"token"]`)
	}
	assert.True(t, redacted, "a finding says the value of key token was redacted: %v", rep.Findings)
	for _, format := range report.Formats {
		var buf bytes.Buffer
		require.NoError(t, report.Write(&buf, format, *rep, report.Options{Rules: notify.LintRules(), ToolName: "test"}))
		assertNoLeak(t, format, buf.String())
	}
}

func TestEvaluateRedactsSecretValuesFromErrorsAndMessagesUnlessShown(t *testing.T) {
	srv := echoServer(t)
	cfg := leakyConfig(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	ev, err := notify.Evaluate(ctx, cfg, leakyApp(t), notify.EvaluateOptions{Send: true})
	require.NoError(t, err)
	data, err := json.Marshal(ev)
	require.NoError(t, err)
	assertNoLeak(t, "evaluation", string(data))
	assert.Contains(t, string(data), `redacted: value of Secret key \"token\"`)
	assert.Contains(t, string(data), `redacted: value of Secret key \"spaced\"`)
	assert.True(t, ev.RenderFailed())
	assert.True(t, ev.SendFailed(), "the echo server refuses the body")

	shown, err := notify.Evaluate(ctx, cfg, leakyApp(t), notify.EvaluateOptions{ShowSecrets: true})
	require.NoError(t, err)
	var body string
	for _, tr := range shown.Triggers {
		for _, d := range tr.Deliveries {
			assert.NotContains(t, d.RenderError, "LEAKMARK", "errors stay redacted")
			if d.Notification != nil && d.Notification.Webhook["hook"].Body != "" {
				body = d.Notification.Webhook["hook"].Body
			}
		}
	}
	assert.Equal(t, `{"t": "`+leakToken+`"}`, body)
}

func TestRedactorLeavesShortValuesAndUnrelatedTextAlone(t *testing.T) {
	r := notify.NewRedactor(map[string][]byte{"port": []byte("25"), "token": []byte("s3cr3t-value")})
	assert.Equal(t, "port 25 is open", r.String("port 25 is open"))
	assert.Equal(t, `got [redacted: value of Secret key "token"] twice: [redacted: value of Secret key "token"]`,
		r.String("got s3cr3t-value twice: s3cr3t-value"))
	assert.False(t, notify.NewRedactor(map[string][]byte{"a": []byte("xyz")}).Active())
}
