package cli

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/namespaces"
)

// argocdmanaged and namespaces name no flag and no command; the plugin adds its own to the
// message, keeps the chain (errors.Is and errors.As still see the library's error), and
// adds them once.
func TestArgocdmanagedErrorsGetThePluginsHints(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, notThere := argocdmanaged.LoadProfileFile(missing, argocdmanaged.DefaultProfile())
	_, empty := argocdmanaged.ParseProfile(nil, "p.yaml", argocdmanaged.DefaultProfile())
	refused := &namespaces.DeleteRefusedError{Plan: &namespaces.SubnamespaceDeletePlan{Name: "shop-x", Applications: []string{"shop"}}}
	tests := []struct {
		name   string
		err    error
		target error
		want   string
	}{
		{"a --kubeconfig file that is not there", &argocdmanaged.NoKubeconfigError{File: "/k/config"}, argocdmanaged.ErrNoKubeconfig,
			"no kubeconfig found: the kubeconfig file /k/config (--kubeconfig) does not exist"},
		{"a $KUBECONFIG file that is not there", &argocdmanaged.NoKubeconfigError{Paths: []string{"/k/a"}, FromEnv: true}, argocdmanaged.ErrNoKubeconfig,
			"no kubeconfig found: $KUBECONFIG names /k/a, which does not exist; point it at your cluster's kubeconfig or pass --kubeconfig"},
		{"no kubeconfig at all", &argocdmanaged.NoKubeconfigError{Paths: []string{"/home/u/.kube/config"}}, argocdmanaged.ErrNoKubeconfig,
			"no kubeconfig found: /home/u/.kube/config does not exist and $KUBECONFIG is not set; get your cluster's kubeconfig, then set KUBECONFIG or pass --kubeconfig"},
		{"a profile file that is not there", notThere, fs.ErrNotExist,
			"profile " + missing + ": no such file; create one with `kubectl ck8sargo profile init`"},
		{"an empty profile file", empty, argocdmanaged.ErrEmptyProfile,
			"profile p.yaml: the file is empty; write one with `kubectl ck8sargo profile init`"},
		{"a delete refused while in use", refused, nil,
			`refusing to delete namespace "shop-x": Applications deploy into it (shop): delete them or change their destination first; use --force to delete anyway`},
		{"a usage error keeps its exit code", UsageErrorf("reading: %w", &argocdmanaged.NoKubeconfigError{File: "/k"}), argocdmanaged.ErrNoKubeconfig,
			"reading: no kubeconfig found: the kubeconfig file /k (--kubeconfig) does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, tt.err)
			got := argocdmanagedError(tt.err)
			assert.EqualError(t, got, tt.want)
			if tt.target != nil {
				assert.ErrorIs(t, got, tt.target)
			}
			assert.ErrorIs(t, got, tt.err, "the library's error stays in the chain")
			code, msg := ExitCode(got)
			assert.Equal(t, ExitError, code)
			assert.Equal(t, tt.want, msg)
			assert.Equal(t, got, argocdmanagedError(got), "a hinted error is not hinted again")
		})
	}
	assert.NoError(t, argocdmanagedError(nil))
	other := errors.New("connection refused")
	assert.Same(t, other, argocdmanagedError(other), "an error about something else is left as it is")
}
