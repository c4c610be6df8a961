package notify_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

// largeConfig is the project catalog plus n extra triggers and templates and n services.
func largeConfig(b *testing.B, n int) *notify.Config {
	b.Helper()
	cfg := projectCatalog()
	for i := 0; i < n; i++ {
		spec, err := notify.SlackService(notify.SlackOptions{Name: fmt.Sprintf("team%d", i), Token: []byte("xoxb-1")})
		if err != nil {
			b.Fatal(err)
		}
		if err := cfg.AddService(spec, false); err != nil {
			b.Fatal(err)
		}
		cfg.Data[fmt.Sprintf("trigger.on-custom-%d", i)] = fmt.Sprintf("- when: app.status?.sync?.status == 'OutOfSync' and app.metadata.name == 'app-%d'\n  oncePer: app.status?.sync?.revision\n  send: [custom-%d]\n", i, i)
		cfg.Data[fmt.Sprintf("template.custom-%d", i)] = fmt.Sprintf("message: '{{.app.metadata.name}} is out of sync ({{dig \"status\" \"sync\" \"revision\" \"?\" .app}}) #%d'\nemail:\n  subject: '{{.app.metadata.name}} out of sync'\n", i)
	}
	return cfg
}

// BenchmarkLint lints a configuration of 200 custom triggers, templates and services plus
// the catalog. The peer, `argocd admin notifications`, needs a cluster and exits 0 on
// errors, so there is no side-by-side figure.
func BenchmarkLint(b *testing.B) {
	cfg := largeConfig(b, 200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep := notify.Lint(cfg, notify.LintOptions{})
		if rep.Fails(2) {
			b.Fatalf("unexpected findings: %s", describe(rep))
		}
	}
}

// BenchmarkEvaluate is `notify test` for one Application subscribed to every catalog
// trigger for two recipients: engine construction, trigger evaluation and rendering.
func BenchmarkEvaluate(b *testing.B) {
	cfg := largeConfig(b, 20)
	st := appStates[10] // succeeded, healthy after finish: on-deployed fires
	ann := map[string]string{}
	for _, t := range notify.CatalogTriggers {
		ann["notifications.argoproj.io/subscribe."+t+".team0"] = "a;b"
	}
	m := st.object()
	m["metadata"].(map[string]any)["annotations"] = toAny(ann)
	app := mustAppB(b, m)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev, err := notify.Evaluate(context.Background(), cfg, app, notify.EvaluateOptions{})
		if err != nil || ev.RenderFailed() {
			b.Fatal(err)
		}
	}
}

// BenchmarkLintWithApplications is the speed target: 200 custom entries plus the
// catalog, and 50 Applications whose subscriptions are checked (≤ 200 ms on 2 cores).
func BenchmarkLintWithApplications(b *testing.B) {
	cfg := largeConfig(b, 200)
	var apps []notify.Located[*argocdmanaged.Application]
	for i := range 50 {
		m := appStates[10].object()
		m["metadata"].(map[string]any)["name"] = fmt.Sprintf("app-%d", i)
		m["metadata"].(map[string]any)["annotations"] = toAny(map[string]string{
			fmt.Sprintf("notifications.argoproj.io/subscribe.on-custom-%d.team%d", i, i): "alerts",
			"notifications.argoproj.io/subscribe.on-sync-failed.team0":                   "alerts;oncall",
		})
		apps = append(apps, notify.Located[*argocdmanaged.Application]{Object: mustAppB(b, m), File: "apps.yaml"})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep := notify.Lint(cfg, notify.LintOptions{Applications: apps})
		if rep.Fails(2) {
			b.Fatalf("unexpected findings: %s", describe(rep))
		}
	}
}
