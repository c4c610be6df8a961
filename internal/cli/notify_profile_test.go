package cli

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// The profile is read once, in Complete: before the fix, Run of `notify test --config-map`
// and the --config check of `notify subscribe` read the profile file a second time, so a
// profile gone (or changed) between the two gave another result than the one Complete saw.
func TestNotifyFileCommands_readTheProfileOnceInComplete(t *testing.T) {
	dir := t.TempDir()
	cm := writeFile(t, dir, "cm.yaml", lintConfigMap)
	app := writeFile(t, dir, "app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\nspec:\n  project: default\n")
	newRoot := func(t *testing.T) (*RootOptions, string) {
		data, err := argocdmanaged.MarshalProfile(argocdmanaged.DefaultProfile())
		require.NoError(t, err)
		profile := writeFile(t, t.TempDir(), ".ck8sargo.yaml", string(data))
		streams, _, _, _ := genericiooptions.NewTestIOStreams()
		return &RootOptions{ProfileFile: profile, IOStreams: streams}, profile
	}
	t.Run("notify test --config-map", func(t *testing.T) {
		root, profile := newRoot(t)
		o := &notifyTestOptions{IOStreams: root.IOStreams, root: root, file: app, configMap: cm, output: &outputFlag{format: "text"}}
		require.NoError(t, o.Complete(nil, []string{"shop"}))
		require.NoError(t, os.Remove(profile))
		require.NoError(t, o.Run(context.Background()))
		assert.Contains(t, root.Out.(fmt.Stringer).String(), "Application shop")
	})
	t.Run("notify subscribe --config", func(t *testing.T) {
		root, profile := newRoot(t)
		o := &subscribeOptions{IOStreams: root.IOStreams, root: root, file: app, config: cm}
		o.sub.Service = "log"
		require.NoError(t, o.Complete(nil, []string{"shop"}))
		require.NoError(t, os.Remove(profile))
		// The check gets to the ConfigMap of the file: no "no such file" for the profile.
		err := o.check(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ConfigMap argocd-notifications-cm has neither defaultTriggers nor defaultTriggers.log")
	})
}
