package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/golive"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/render/charts"
)

// The golive library names no command: it marks the items whose work the plugin does, and
// the plugin writes its commands into them, as it printed them before.
func TestGoliveItemsGetThePluginsCommands(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(goliveDeployment), 0o600))
	run := func(t *testing.T, backupURL string) *golive.Checklist {
		t.Helper()
		popts := policy.DefaultOptions()
		popts.RepoRoot, popts.Offline = dir, true
		var err error
		popts.Charts, err = charts.New(charts.Options{Offline: true})
		require.NoError(t, err)
		cl, err := golive.Run(context.Background(), golive.Inputs{Paths: []string{dir}, BackupURL: backupURL},
			golive.Options{Profile: argocdmanaged.DefaultProfile(), Policy: popts})
		require.NoError(t, err)
		return cl
	}
	noStore := run(t, "")
	emptyStore := run(t, "file://"+t.TempDir())
	tests := []struct {
		name     string
		cl       *golive.Checklist
		item     string
		step     golive.Step
		evidence string
		todo     string
	}{
		{"the restore drill", noStore, "restore-drill", golive.StepRestoreDrill, "cannot be seen in manifests or the cluster",
			"Restore the Argo CD objects into a scratch environment with `kubectl ck8sargo backup restore NAME --dry-run=server`, then for real, and restore your data; time it against the RTO."},
		{"no backup store", noStore, "backups", golive.StepExportAndSchedule, "no backup store given (--backup-url or the profile's backup.to)",
			"export with `kubectl ck8sargo backup export` and schedule it with `kubectl ck8sargo backup schedule`"},
		{"a store without a backup", emptyStore, "backups", golive.StepExportAndVerify, "the backup store holds no backup",
			"run `kubectl ck8sargo backup export`, then `kubectl ck8sargo backup verify`"},
		{"from git without the cluster", noStore, "from-git", golive.StepLive, "cannot be seen in manifests or the cluster",
			"run `kubectl ck8sargo golive --live` to find workloads that Argo CD does not manage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := goliveItem(t, tt.cl, tt.item)
			assert.Equal(t, tt.step, it.Step)
			assert.NotContains(t, it.Todo+it.Evidence, "kubectl ck8sargo", "the library's words")
			assert.NotContains(t, it.Todo+it.Evidence, "--", "the library's words")
			spelled := &golive.Checklist{Items: []golive.Item{it}}
			spellOutSteps(spelled)
			assert.Equal(t, tt.evidence, spelled.Items[0].Evidence)
			assert.Equal(t, tt.todo, spelled.Items[0].Todo)
		})
	}
	other := goliveItem(t, noStore, "load-test")
	spelled := &golive.Checklist{Items: []golive.Item{other}}
	spellOutSteps(spelled)
	assert.Equal(t, other, spelled.Items[0], "an item without a step keeps the library's words")
}

func goliveItem(t *testing.T, cl *golive.Checklist, id string) golive.Item {
	t.Helper()
	for _, it := range cl.Items {
		if it.ID == id {
			return it
		}
	}
	require.Failf(t, "no item", "%s", id)
	return golive.Item{}
}
