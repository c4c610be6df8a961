package notify_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/notify"
)

// upstreamCatalog reads Argo CD's notifications catalog from the Argo CD module, so that
// the test compares with what Argo CD ships, not with a copy.
func upstreamCatalog(t *testing.T) *notify.Config {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := testenv.ModuleDir(ctx, testenv.ArgoCDModule)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "notifications_catalog", "install.yaml"))
	require.NoError(t, err)
	var cm corev1.ConfigMap
	require.NoError(t, yaml.Unmarshal(data, &cm))
	require.NotEmpty(t, cm.Data)
	return notify.FromObjects(argocdmanaged.DefaultProfile(), &cm, nil)
}

func projectCatalog() *notify.Config {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	if _, err := cfg.InstallCatalog(nil, false); err != nil {
		panic(err)
	}
	return cfg
}

// appState is an Application in one of the states the catalog triggers look at.
type appState struct {
	name   string
	status string // JSON of .status; empty means no status
	extra  func(m map[string]any)
}

func (s appState) object() map[string]any {
	m := map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "shop", "namespace": "argocd-system"},
		"spec": map[string]any{"project": "default", "destination": map[string]any{"namespace": "shop", "server": "https://kubernetes.default.svc"},
			"source": map[string]any{"repoURL": "https://git.example.com/shop.git", "path": "deploy"}},
	}
	if s.status != "" {
		var st map[string]any
		if err := json.Unmarshal([]byte(s.status), &st); err != nil {
			panic(s.name + ": " + err.Error())
		}
		m["status"] = st
	}
	if s.extra != nil {
		s.extra(m)
	}
	return m
}

func op(phase, started, finished string) string {
	s := `{"phase":"` + phase + `","message":"one or more \"objects\" failed","syncResult":{"revision":"abc123"}`
	if started != "" {
		s += `,"startedAt":"` + started + `"`
	}
	if finished != "" {
		s += `,"finishedAt":"` + finished + `"`
	}
	return s + "}"
}

const (
	t0 = "2026-01-01T10:00:00Z" // sync started
	t1 = "2026-01-01T10:05:00Z" // sync finished
)

var appStates = []appState{
	{name: "no status"},
	{name: "empty status", status: `{}`},
	{name: "sync unknown", status: `{"sync":{"status":"Unknown"},"health":{"status":"Missing"}}`},
	{name: "synced healthy without operation", status: `{"sync":{"status":"Synced","revision":"abc123"},"health":{"status":"Healthy","lastTransitionTime":"` + t1 + `"}}`},
	{name: "degraded", status: `{"sync":{"status":"Synced"},"health":{"status":"Degraded","message":"back-off \"restarting\""}}`},
	{name: "sync running", status: `{"sync":{"status":"OutOfSync"},"health":{"status":"Progressing"},"operationState":` + op("Running", t0, "") + `}`},
	{name: "sync failed", status: `{"sync":{"status":"OutOfSync"},"health":{"status":"Healthy"},"operationState":` + op("Failed", t0, t1) + `}`},
	{name: "sync error", status: `{"operationState":` + op("Error", t0, t1) + `}`},
	{name: "operation without phase", status: `{"operationState":{"message":"x"}}`},
	{name: "operation null", status: `{"operationState":null,"sync":{"status":"Synced"}}`},
	{name: "succeeded, healthy after finish", status: `{"sync":{"status":"Synced","revision":"abc123"},"health":{"status":"Healthy","lastTransitionTime":"2026-01-01T10:06:00Z"},"operationState":` + op("Succeeded", t0, t1) + `}`},
	{name: "succeeded, healthy long before start", status: `{"sync":{"status":"Synced"},"health":{"status":"Healthy","lastTransitionTime":"2026-01-01T09:00:00Z"},"operationState":` + op("Succeeded", t0, t1) + `}`},
	{name: "succeeded, healthy during sync", status: `{"sync":{"status":"Synced"},"health":{"status":"Healthy","lastTransitionTime":"2026-01-01T10:01:00Z"},"operationState":` + op("Succeeded", t0, t1) + `}`},
	{name: "succeeded, healthy, no transition time", status: `{"health":{"status":"Healthy"},"operationState":` + op("Succeeded", t0, t1) + `}`},
	{name: "succeeded, healthy, no finish time", status: `{"health":{"status":"Healthy","lastTransitionTime":"` + t1 + `"},"operationState":` + op("Succeeded", t0, "") + `}`},
	{name: "succeeded, healthy before finish, no start time", status: `{"health":{"status":"Healthy","lastTransitionTime":"2026-01-01T09:00:00Z"},"operationState":` + op("Succeeded", "", t1) + `}`},
	{name: "succeeded, malformed transition time", status: `{"health":{"status":"Healthy","lastTransitionTime":"yesterday"},"operationState":` + op("Succeeded", t0, t1) + `}`},
	{name: "succeeded, progressing", status: `{"health":{"status":"Progressing"},"operationState":` + op("Succeeded", t0, t1) + `}`},
	{name: "succeeded, no health", status: `{"operationState":` + op("Succeeded", t0, t1) + `}`},
	{name: "being deleted", status: `{"sync":{"status":"Synced"}}`, extra: func(m map[string]any) {
		m["metadata"].(map[string]any)["deletionTimestamp"] = t1
	}},
	{name: "being deleted, no status", extra: func(m map[string]any) {
		m["metadata"].(map[string]any)["deletionTimestamp"] = t1
	}},
	{name: "multi-source", status: `{"sync":{"status":"Unknown"},"conditions":[{"type":"ComparisonError","message":"Cluster level Namespace \"shop\" can not be managed when in namespaced mode"}]}`, extra: func(m map[string]any) {
		spec := m["spec"].(map[string]any)
		delete(spec, "source")
		spec["sources"] = []any{map[string]any{"repoURL": "https://a"}, map[string]any{"repoURL": "https://b"}}
	}},
}

func engine(t *testing.T, cfg *notify.Config) *notify.Engine {
	t.Helper()
	e, err := notify.NewEngine(cfg, notify.EngineOptions{})
	require.NoError(t, err)
	return e
}

func TestCatalogTriggersFireExactlyWhenUpstreamCatalogFires(t *testing.T) {
	upstream := engine(t, upstreamCatalog(t))
	ours := engine(t, projectCatalog())
	fired := map[string]int{}
	for _, trigger := range notify.CatalogTriggers {
		require.Contains(t, upstream.Config.Triggers, trigger, "upstream catalog lost trigger %s", trigger)
		for _, st := range appStates {
			t.Run(trigger+"/"+st.name, func(t *testing.T) {
				want, err := upstream.API.RunTrigger(trigger, st.object())
				require.NoError(t, err)
				got, err := ours.API.RunTrigger(trigger, st.object())
				require.NoError(t, err)
				require.Len(t, got, len(want))
				for i := range want {
					assert.Equal(t, want[i].Triggered, got[i].Triggered, "condition %d", i)
					assert.Equal(t, want[i].Templates, got[i].Templates, "condition %d", i)
					if want[i].Triggered {
						assert.Equal(t, want[i].OncePer, got[i].OncePer, "oncePer of condition %d", i)
						fired[trigger]++
					}
				}
			})
		}
	}
	// The table must exercise every trigger both ways, or the comparison proves little.
	for _, trigger := range notify.CatalogTriggers {
		assert.Positive(t, fired[trigger], "no state fires %s", trigger)
		if trigger != "on-created" { // fires for every Application, once
			assert.Less(t, fired[trigger], len(appStates), "every state fires %s", trigger)
		}
	}
}

func TestCatalogConditionsNeverFailOnMissingFields(t *testing.T) {
	cfg := projectCatalog()
	for _, st := range appStates {
		if st.name == "succeeded, malformed transition time" {
			continue // a malformed timestamp is an error on purpose, as in Argo CD
		}
		app := mustApp(t, st.object())
		for _, trigger := range notify.CatalogTriggers {
			ev, err := notify.Evaluate(context.Background(), cfg, app, notify.EvaluateOptions{Trigger: trigger})
			require.NoError(t, err)
			for _, c := range ev.Triggers[0].Conditions {
				assert.Empty(t, c.Error, "%s on %q", trigger, st.name)
			}
		}
	}
}

func TestCatalogTemplatesRenderForEmailSlackAndTeamsInEveryState(t *testing.T) {
	cfg := projectCatalog()
	require.NoError(t, cfg.SetContext("argocdUrl", "https://argocd.example.com"))
	e := engine(t, cfg)
	for _, st := range appStates {
		if st.name == "operation null" {
			// sprig's dig cannot step through an explicit null, and Argo CD never writes
			// one (operationState is omitted when empty); missing fields are covered.
			continue
		}
		for _, trigger := range notify.CatalogTriggers {
			tmpl := "app-" + trigger[len("on-"):]
			for _, svc := range []string{"email", "slack", "teams"} {
				n, err := e.Render(st.object(), []string{tmpl}, services.Destination{Service: svc, Recipient: "r"})
				require.NoError(t, err, "%s for %s on %q", tmpl, svc, st.name)
				assert.NotEmpty(t, n.Message, "%s on %q", tmpl, st.name)
				require.NotNil(t, n.Email)
				assert.Contains(t, n.Email.Subject, "shop")
				assert.NotContains(t, n.Email.Body+n.Message, "<no value>", "%s on %q", tmpl, st.name)
				if n.Slack != nil && n.Slack.Attachments != "" {
					assert.True(t, json.Valid([]byte(n.Slack.Attachments)), "slack attachments of %s on %q: %s", tmpl, st.name, n.Slack.Attachments)
				}
				require.NotNil(t, n.Teams, tmpl)
				if n.Teams.Facts != "" {
					assert.True(t, json.Valid([]byte(n.Teams.Facts)), "teams facts of %s on %q: %s", tmpl, st.name, n.Teams.Facts)
				}
			}
		}
	}
}

func toAny(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func mustAppB(b *testing.B, m map[string]any) *argocdmanaged.Application {
	b.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	app := &argocdmanaged.Application{}
	if err := json.Unmarshal(data, app); err != nil {
		b.Fatal(err)
	}
	return app
}

func mustApp(t *testing.T, m map[string]any) *argocdmanaged.Application {
	t.Helper()
	data, err := json.Marshal(m)
	require.NoError(t, err)
	app := &argocdmanaged.Application{}
	require.NoError(t, json.Unmarshal(data, app))
	return app
}
