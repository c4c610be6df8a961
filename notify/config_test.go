package notify_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

func TestConfigEditsKeepKeysItDoesNotUnderstand(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "argocd-notifications-cm", Namespace: "argocd-system"}, Data: map[string]string{
		"service.slack":      "token: $slack-token\n",
		"x-team-owner":       "shop",
		"template.my-own":    "message: {{.app.metadata.name}}  # spacing kept\n",
		"trigger.on-created": "- when: 'true'\n  send: [my-own]\n",
	}}
	cfg := notify.FromObjects(argocdmanaged.DefaultProfile(), cm, nil)
	spec, err := notify.SlackService(notify.SlackOptions{Name: "alerts", Token: []byte("xoxb-1")})
	require.NoError(t, err)
	require.NoError(t, cfg.AddService(spec, false))
	res, err := cfg.InstallCatalog([]string{"on-created"}, false)
	require.NoError(t, err)

	assert.Equal(t, []string{"trigger.on-created"}, res.Kept, "the user's own trigger is kept without --force")
	assert.Equal(t, "shop", cfg.Data["x-team-owner"])
	assert.Equal(t, cm.Data["template.my-own"], cfg.Data["template.my-own"], "untouched entries keep their bytes")
	assert.Equal(t, cm.Data["trigger.on-created"], cfg.Data["trigger.on-created"])
	assert.Equal(t, []string{"x-team-owner"}, cfg.UnknownKeys())
	assert.Contains(t, cfg.Data, "service.slack.alerts")
	assert.Equal(t, []byte("xoxb-1"), cfg.SecretData["alerts-token"])
	changedCM, changedSecret := cfg.Changed()
	assert.True(t, changedCM)
	assert.True(t, changedSecret)

	res, err = cfg.InstallCatalog([]string{"on-created"}, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"trigger.on-created"}, res.Replaced)
}

func TestAddServiceRefusesToOverwriteWithoutForce(t *testing.T) {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	spec, err := notify.SlackService(notify.SlackOptions{Token: []byte("a")})
	require.NoError(t, err)
	require.NoError(t, cfg.AddService(spec, false))
	assert.ErrorIs(t, cfg.AddService(spec, false), notify.ErrExists, "replacing it takes force")
	require.NoError(t, cfg.AddService(spec, true))
	_, err = notify.EmailService(notify.EmailOptions{Host: "h", Port: 465, From: "a@example.com"})
	assert.ErrorContains(t, err, "implicit TLS")
}

func TestSubscribeAndUnsubscribeEditTheAnnotation(t *testing.T) {
	ann := map[string]string{"other": "x"}
	ann, changed, err := notify.Subscribe(ann, notify.Subscription{Trigger: "on-sync-succeeded", Service: "email", Recipients: []string{"a@example.com", "b@example.com"}})
	require.NoError(t, err)
	assert.True(t, changed)
	key := "notifications.argoproj.io/subscribe.on-sync-succeeded.email"
	assert.Equal(t, "a@example.com;b@example.com", ann[key])
	_, changed, err = notify.Subscribe(ann, notify.Subscription{Trigger: "on-sync-succeeded", Service: "email", Recipients: []string{"b@example.com"}})
	require.NoError(t, err)
	assert.False(t, changed, "already subscribed")

	changed, err = notify.Unsubscribe(ann, notify.Subscription{Trigger: "on-sync-succeeded", Service: "email", Recipients: []string{"a@example.com"}})
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, "b@example.com", ann[key], "recipients stay joined with ';', unlike the engine's own Unsubscribe")
	changed, err = notify.Unsubscribe(ann, notify.Subscription{Trigger: "on-sync-succeeded", Service: "email"})
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, map[string]string{"other": "x"}, ann)

	_, _, err = notify.Subscribe(ann, notify.Subscription{Trigger: "on.sync", Service: "email"})
	assert.ErrorContains(t, err, "no dots")
}

func TestEditFileChangesOnlyTheNamedApplication(t *testing.T) {
	in := `# apps of the shop
apiVersion: v1
kind: Namespace
metadata:
  name: keep-me   # a comment kept
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  source: {repoURL: https://git.example.com/shop.git, path: deploy}
  futureField: kept
`
	out, changed, err := notify.EditFile([]byte(in), notify.Target{Kind: argocdmanaged.KindApplication, Name: "shop"}, func(a map[string]string) (bool, error) {
		_, c, err := notify.Subscribe(a, notify.Subscription{Trigger: "on-deployed", Service: "slack", Recipients: []string{"deploys"}})
		return c, err
	})
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Contains(t, string(out), "name: keep-me   # a comment kept")
	assert.Contains(t, string(out), "notifications.argoproj.io/subscribe.on-deployed.slack: deploys")
	assert.Contains(t, string(out), "futureField: kept")

	var m notify.Manifests
	require.NoError(t, notify.ReadManifests("out.yaml", bytes.NewReader(out), &m))
	require.Len(t, m.Applications, 1)
	assert.Equal(t, 1, m.Skipped)

	_, _, err = notify.EditFile([]byte(in), notify.Target{Kind: argocdmanaged.KindApplication, Name: "other"}, func(map[string]string) (bool, error) { return true, nil })
	assert.ErrorContains(t, err, `no Application named "other"`)
}

func TestEvaluateAnApplicationWithoutStatusReportsInsteadOfFailing(t *testing.T) {
	cfg := projectCatalog()
	spec, err := notify.SlackService(notify.SlackOptions{Token: []byte("x")})
	require.NoError(t, err)
	require.NoError(t, cfg.AddService(spec, false))
	cfg.Data["trigger.on-raw"] = "- when: app.status.health.status == 'Degraded'\n  send: [app-health-degraded]\n"
	app := argocdmanaged.NewApplication("argocd-system", "fresh")
	app.Annotations = map[string]string{
		"notifications.argoproj.io/subscribe.on-created.slack": "c1",
		"notifications.argoproj.io/subscribe.on-raw.slack":     "c1",
		"notifications.argoproj.io/subscribe.on-missing.slack": "c1",
	}
	ev, err := notify.Evaluate(context.Background(), cfg, app, notify.EvaluateOptions{})
	require.NoError(t, err)
	require.Len(t, ev.Triggers, 3)
	byName := map[string]notify.TriggerResult{}
	for _, tr := range ev.Triggers {
		byName[tr.Trigger] = tr
	}
	created := byName["on-created"]
	require.Len(t, created.Deliveries, 1)
	assert.True(t, created.Conditions[0].Triggered)
	assert.Equal(t, "fresh", created.Conditions[0].OncePer)
	assert.Equal(t, "Application fresh has been created.", created.Deliveries[0].Notification.Message)
	assert.Contains(t, byName["on-raw"].Conditions[0].Error, "cannot fetch health")
	assert.Contains(t, byName["on-missing"].Error, "not configured")

	app.Annotations["notified.notifications.argoproj.io"] = `{"fresh:on-created:[0].` + hashTrue + `:slack:c1":1700000000}`
	ev, err = notify.Evaluate(context.Background(), cfg, app, notify.EvaluateOptions{Trigger: "on-created"})
	require.NoError(t, err)
	assert.True(t, ev.Triggers[0].Deliveries[0].AlreadyNotified, "the controller's notified state is read")
}

// hashTrue is the engine's condition key for when: "true" (base64url of its SHA-1).
const hashTrue = "X_5TO4MPCKAyY0ipFgr6_IraRNs"

func TestReadManifestsRejectsBadInputWithTheFileAndDocument(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not YAML", "a: [", "doc.yaml: document 1"},
		{"Secret with non-base64 data", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata:\n  k: '%%%'\n", "base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m notify.Manifests
			err := notify.ReadManifests("doc.yaml", strings.NewReader(tt.in), &m)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func FuzzConfigReader(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-notifications-cm}\ndata:\n  service.email: |\n    host: h\n    port: 465\n  trigger.t: |\n    - when: app.status?.sync?.status == 'Unknown'\n      send: [x]\n  template.x: |\n    message: '{{.app.metadata.name}}'\n"))
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: argocd-notifications-secret}\ndata:\n  t: /w==\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\n  annotations:\n    notifications.argoproj.io/subscribe.a.b.c: x\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\ndata:\n  subscriptions: '- recipients: [slack:x]'\n  context: 'argocdUrl: x'\n  defaultTriggers: '[a]'\n  template.t: 'message: {{'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m notify.Manifests
		if err := notify.ReadManifests("fuzz.yaml", bytes.NewReader(data), &m); err != nil {
			return
		}
		rep := lintManifests(&m, "fuzz.yaml")
		for _, f := range rep.Findings {
			if f.Rule == "" || f.Message == "" {
				t.Fatalf("finding without rule or message: %+v", f)
			}
		}
		for _, a := range m.Applications {
			cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
			if len(m.ConfigMaps) > 0 {
				cfg = notify.FromObjects(argocdmanaged.DefaultProfile(), m.ConfigMaps[0].Object, nil)
			}
			_, _ = notify.Evaluate(context.Background(), cfg, a.Object, notify.EvaluateOptions{})
		}
	})
}
