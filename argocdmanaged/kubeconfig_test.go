package argocdmanaged

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/tools/clientcmd"
)

const kubeconfigForTest = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`

func TestRESTConfigSaysWhichKubeconfigIsMissing(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(existing, []byte(kubeconfigForTest), 0o600))
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name       string
		kubeconfig string // $KUBECONFIG; "-" unsets it
		flag       string // --kubeconfig
		server     string // --server
		wantErr    string // empty: a config for wantHost
		wantHost   string
	}{
		{name: "--kubeconfig names a missing file", kubeconfig: "-", flag: missing,
			// The library names no flag; the plugin adds it (internal/cli TestArgocdmanagedErrorsGetThePluginsHints).
			wantErr: "no kubeconfig found: the kubeconfig file " + missing + " does not exist"},
		{name: "$KUBECONFIG names a missing file", kubeconfig: missing,
			wantErr: "no kubeconfig found: $KUBECONFIG names " + missing + ", which does not exist; point it at your cluster's kubeconfig"},
		{name: "no kubeconfig at all", kubeconfig: "-",
			wantErr: "no kubeconfig found: " + clientcmd.RecommendedHomeFile + " does not exist and $KUBECONFIG is not set; get your cluster's kubeconfig, then set KUBECONFIG"},
		{name: "one of the $KUBECONFIG files exists", kubeconfig: missing + string(os.PathListSeparator) + existing, wantHost: "https://127.0.0.1:6443"},
		{name: "--server needs no kubeconfig", kubeconfig: "-", server: "https://10.0.0.1:6443", wantHost: "https://10.0.0.1:6443"},
		{name: "an existing --kubeconfig is read", kubeconfig: missing, flag: existing, wantHost: "https://127.0.0.1:6443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.kubeconfig == "-" && tt.flag == "" && tt.server == "" {
				// client-go fixes ~/.kube/config when it starts, so HOME cannot move it.
				if _, err := os.Stat(clientcmd.RecommendedHomeFile); err == nil {
					t.Skipf("this machine has %s", clientcmd.RecommendedHomeFile)
				}
			}
			t.Setenv("KUBERNETES_SERVICE_HOST", "")
			t.Setenv("KUBECONFIG", tt.kubeconfig)
			if tt.kubeconfig == "-" {
				require.NoError(t, os.Unsetenv("KUBECONFIG"))
			}
			flags := genericclioptions.NewConfigFlags(true)
			if tt.flag != "" {
				flags.KubeConfig = &tt.flag
			}
			if tt.server != "" {
				flags.APIServer = &tt.server
			}
			cfg, err := RESTConfig(flags)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrNoKubeconfig)
				assert.EqualError(t, err, tt.wantErr)
				var missing *NoKubeconfigError
				assert.ErrorAs(t, err, &missing, "the caller can tell where kubectl looked")
				_, err = NewClients(flags)
				assert.ErrorIs(t, err, ErrNoKubeconfig, "NewClients says so too")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantHost, cfg.Host)
		})
	}
}
