package notify_test

import (
	"testing"

	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

// The repo helpers that need no repo server give what Argo CD's give; the two that need it
// give a placeholder instead of failing the whole template.
func TestRepoHelpersWorkAsArgoCDProvidesThem(t *testing.T) {
	tests := []struct{ tmpl, want string }{
		{`{{call .repo.RepoURLToHTTPS "git@github.com:org/repo.git"}}`, "https://github.com/org/repo.git"},
		{`{{call .repo.RepoURLToHTTPS "https://user@gitlab.example.com/team/app"}}`, "https://gitlab.example.com/team/app"},
		{`{{call .repo.FullNameByRepoURL .app.spec.source.repoURL}}`, "sample/app"},
		{`{{call .repo.QueryEscape "a b&c"}}`, "a+b%26c"},
		{`{{(call .repo.GetCommitMetadata "abc").Author}}`, notify.RepoServerPlaceholder},
		{`{{(call .repo.GetAppDetails).Type}}`, notify.RepoServerPlaceholder},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
			cfg.Data["template.t"] = "message: '" + tt.tmpl + "'\n"
			eng, err := notify.NewEngine(cfg, notify.EngineOptions{})
			require.NoError(t, err)
			app := map[string]any{"metadata": map[string]any{"name": "shop"}, "spec": map[string]any{"project": "default", "source": map[string]any{"repoURL": "git@github.com:sample/app.git"}}}
			n, err := eng.Render(app, []string{"t"}, services.Destination{Service: "slack", Recipient: "x"})
			require.NoError(t, err)
			assert.Equal(t, tt.want, n.Message)
		})
	}
}
