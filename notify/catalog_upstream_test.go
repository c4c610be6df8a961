package notify_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/notify"
)

// catalogTemplates are the templates of both catalogs.
var catalogTemplates = []string{
	"app-created", "app-deleted", "app-deployed", "app-health-degraded",
	"app-sync-failed", "app-sync-running", "app-sync-status-unknown", "app-sync-succeeded",
}

// fullStates are Applications with every field the upstream templates read, in the
// variants their branches take: one source, several sources, with and without conditions.
// Upstream renders valid JSON for them (no value holds a quote).
var fullStates = map[string]appState{
	"one source, no conditions":  {status: fullStatus(``)},
	"one source, two conditions": {status: fullStatus(`,"conditions":[{"type":"SyncError","message":"sync failed"},{"type":"OrphanedResourceWarning","message":"1 orphaned resource"}]`)},
	"two sources": {status: fullStatus(`,"conditions":[{"type":"SyncError","message":"sync failed"}]`), extra: func(m map[string]any) {
		spec := m["spec"].(map[string]any)
		delete(spec, "source")
		spec["sources"] = []any{map[string]any{"repoURL": "https://git.example.com/a.git"}, map[string]any{"repoURL": "https://git.example.com/b.git"}}
	}},
}

func fullStatus(conditions string) string {
	return `{"sync":{"status":"Synced","revision":"abc123"},"health":{"status":"Healthy"},"operationState":` +
		op("Failed", t0, t1)[:len(op("Failed", t0, t1))-1] + `}` + conditions + `}`
}

// rendered is a notification in comparable form: its JSON with every string field that
// holds JSON (Slack attachments, Teams facts and buttons) parsed, and whitespace folded in
// the others (YAML block scalars and template trimming differ in line breaks only).
func rendered(t *testing.T, n *services.Notification) map[string]any {
	t.Helper()
	data, err := json.Marshal(n)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	return normalise(t, "", m).(map[string]any)
}

var jsonFields = map[string]bool{"slack.attachments": true, "slack.blocks": true, "teams.facts": true, "teams.potentialAction": true, "teams.sections": true}

func normalise(t *testing.T, path string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			p := strings.TrimPrefix(path+"."+k, ".")
			if s, ok := x.(string); ok && jsonFields[p] {
				var parsed any
				require.NoError(t, json.Unmarshal([]byte(s), &parsed), "%s is not JSON: %s", p, s)
				out[k] = parsed
				continue
			}
			out[k] = normalise(t, p, x)
		}
		return out
	case string:
		return strings.Join(strings.Fields(v), " ")
	}
	return v
}

// upstreamFixed is upstream's rendering with the one repair the project's catalog makes
// when every field is present (docs/notify.md, "The catalog and Argo CD's"): Teams' "Open
// Repository" button opens the repository URL, not the text "⬆️ URL" (which Teams cannot
// open), and with several sources there is one such button per source, not one whose URI
// is all of them joined by line breaks.
func upstreamFixed(n map[string]any) map[string]any {
	teams, _ := n["teams"].(map[string]any)
	actions, _ := teams["potentialAction"].([]any)
	var fixed []any
	for _, a := range actions {
		action := a.(map[string]any)
		if action["name"] != "Open Repository" {
			fixed = append(fixed, action)
			continue
		}
		uri := action["targets"].([]any)[0].(map[string]any)["uri"].(string)
		for _, u := range strings.Split(uri, "\n") {
			u = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(u, "⬆️ "), "⬆️"))
			fixed = append(fixed, map[string]any{"@type": "OpenUri", "name": "Open Repository", "targets": []any{map[string]any{"os": "default", "uri": u}}})
		}
	}
	if actions != nil {
		teams["potentialAction"] = fixed
	}
	return n
}

// allText is every section of a notification, as one string.
func allText(t *testing.T, n *services.Notification) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(n))
	return b.String()
}

func withArgoCDURL(t *testing.T, cfg *notify.Config) *notify.Engine {
	t.Helper()
	require.NoError(t, cfg.SetContext("argocdUrl", "https://argocd.example.com"))
	return engine(t, cfg)
}

func TestCatalogTemplatesRenderWhatUpstreamRendersWhenFieldsArePresent(t *testing.T) {
	upstream := withArgoCDURL(t, upstreamCatalog(t))
	ours := withArgoCDURL(t, projectCatalog())
	for _, tmpl := range catalogTemplates {
		require.Contains(t, upstream.Config.Templates, tmpl, "upstream catalog lost template %s", tmpl)
		for name, st := range fullStates {
			// slack takes the Slack branches of the messages, email the others.
			for _, svc := range []string{"slack", "email"} {
				t.Run(tmpl+"/"+name+"/"+svc, func(t *testing.T) {
					dest := services.Destination{Service: svc, Recipient: "r"}
					want, err := upstream.Render(st.object(), []string{tmpl}, dest)
					require.NoError(t, err)
					got, err := ours.Render(st.object(), []string{tmpl}, dest)
					require.NoError(t, err)
					assert.Equal(t, upstreamFixed(rendered(t, want)), rendered(t, got))
				})
			}
		}
	}
}

// TestCatalogTemplatesDifferFromUpstreamOnlyWhereUpstreamBreaks pins the documented
// differences: where a field is missing, a value holds a quote, context.argocdUrl is unset
// or the Application has neither source nor sources, upstream's notification is broken and
// the project's is whole.
func TestCatalogTemplatesDifferFromUpstreamOnlyWhereUpstreamBreaks(t *testing.T) {
	quoted := appState{status: fullStatus(`,"conditions":[{"type":"ComparisonError","message":"Cluster level Namespace \"shop\" can not be managed when in namespaced mode"}]`)}
	hydrated := appState{status: fullStatus(``), extra: func(m map[string]any) {
		spec := m["spec"].(map[string]any)
		delete(spec, "source")
		spec["sourceHydrator"] = map[string]any{"drySource": map[string]any{"repoURL": "https://git.example.com/dry.git"}}
	}}
	cases := []struct {
		name    string
		state   appState
		context bool
		// broken says how upstream's rendering of tmpl is broken; ours must not be.
		broken func(t *testing.T, n *services.Notification, err error)
		check  func(t *testing.T, n *services.Notification)
		tmpls  []string
	}{
		{
			name: "no status: upstream fails or prints <no value>", state: appState{}, context: true,
			tmpls: []string{"app-deployed", "app-health-degraded", "app-sync-failed", "app-sync-running", "app-sync-status-unknown", "app-sync-succeeded"},
			broken: func(t *testing.T, n *services.Notification, err error) {
				if err == nil {
					assert.Contains(t, allText(t, n), "<no value>")
				}
			},
			check: func(t *testing.T, n *services.Notification) {
				assert.NotContains(t, allText(t, n), "<no value>")
				assert.Contains(t, n.Message+n.Slack.Attachments+n.Teams.Facts, "(unknown")
			},
		},
		{
			name: "a quote in a condition message: upstream's JSON breaks", state: quoted, context: true,
			tmpls: []string{"app-deployed", "app-health-degraded", "app-sync-failed", "app-sync-running", "app-sync-status-unknown", "app-sync-succeeded"},
			broken: func(t *testing.T, n *services.Notification, err error) {
				require.NoError(t, err)
				assert.False(t, json.Valid([]byte(n.Slack.Attachments)), "upstream Slack attachments parse")
				assert.False(t, json.Valid([]byte(n.Teams.Facts)), "upstream Teams facts parse")
			},
			check: func(t *testing.T, n *services.Notification) {
				assert.Contains(t, n.Slack.Attachments, `Cluster level Namespace \"shop\"`)
				assert.Contains(t, n.Teams.Facts, `Cluster level Namespace \"shop\"`)
			},
		},
		{
			name: "no context.argocdUrl: upstream links to <no value>", state: fullStates["one source, no conditions"],
			tmpls: []string{"app-deployed", "app-health-degraded", "app-sync-failed", "app-sync-running", "app-sync-status-unknown", "app-sync-succeeded"},
			broken: func(t *testing.T, n *services.Notification, err error) {
				require.NoError(t, err)
				assert.Contains(t, n.Slack.Attachments, `<no value>/applications/shop"`)
			},
			check: func(t *testing.T, n *services.Notification) {
				assert.NotContains(t, n.Slack.Attachments, "title_link")
				assert.NotContains(t, n.Teams.PotentialAction, "/applications/")
				assert.Contains(t, n.Teams.PotentialAction, `"Open Repository"`)
				assert.NotContains(t, n.Message, "details")
			},
		},
		{
			name: "neither source nor sources: upstream's JSON breaks", state: hydrated, context: true,
			tmpls: []string{"app-deployed", "app-health-degraded", "app-sync-failed", "app-sync-running", "app-sync-status-unknown", "app-sync-succeeded"},
			broken: func(t *testing.T, n *services.Notification, err error) {
				require.NoError(t, err)
				assert.False(t, json.Valid([]byte(n.Slack.Attachments)), "upstream Slack attachments parse")
			},
			check: func(t *testing.T, n *services.Notification) {
				assert.NotContains(t, n.Slack.Attachments, "Repositor")
				assert.NotContains(t, n.Teams.PotentialAction, "Open Repository")
			},
		},
	}
	for _, c := range cases {
		upCfg, ourCfg := upstreamCatalog(t), projectCatalog()
		if c.context {
			require.NoError(t, upCfg.SetContext("argocdUrl", "https://argocd.example.com"))
			require.NoError(t, ourCfg.SetContext("argocdUrl", "https://argocd.example.com"))
		}
		upstream, ours := engine(t, upCfg), engine(t, ourCfg)
		for _, tmpl := range c.tmpls {
			t.Run(c.name+"/"+tmpl, func(t *testing.T) {
				dest := services.Destination{Service: "slack", Recipient: "r"}
				n, err := upstream.Render(c.state.object(), []string{tmpl}, dest)
				c.broken(t, n, err)
				got, err := ours.Render(c.state.object(), []string{tmpl}, dest)
				require.NoError(t, err)
				rendered(t, got) // every JSON field parses
				c.check(t, got)
			})
		}
	}
}
