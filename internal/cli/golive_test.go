package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

const goliveDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: harbor.example.com/shop/web:1.0.0
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 128Mi}}
`

func TestGoliveTextSaysWhatItReadAndGroupsFindingsByItem(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(goliveDeployment), 0o600))
	r := runPlugin(t, filepath.Join(dir, "no-kubeconfig"), "", "golive", dir, "--repo-root", dir)
	require.Equal(t, 1, r.code, r.msg+r.stderr)
	lines := strings.Split(r.stdout, "\n")
	assert.Contains(t, lines, "Deployments update with RollingUpdate, not Recreate")
	assert.Contains(t, r.stdout, "fail           Deployments update with RollingUpdate, not Recreate")
	assert.Contains(t, r.stdout, "Deployments: 1 of 1 use strategy Recreate")
	assert.Contains(t, r.stdout, "workloads: 1 of 1 do not spread over zones")
	assert.Contains(t, lines, "  "+filepath.Join(dir, "web.yaml")+":1 golive-rolling-update error Deployment shop/web: strategy Recreate stops every pod before starting new ones: the service is down during each update")
	assert.Contains(t, lines, "    fix: use strategy type RollingUpdate")
	assert.Contains(t, lines, "read 1 object in 1 file; 2 errors, 2 warnings, 1 info")
	assert.NotContains(t, r.stdout, "(no file)")
	assert.NotContains(t, r.stdout, "0 file(s)")
}

func TestGoliveLiveTextNamesTheNamespacesItRead(t *testing.T) {
	testenv.Require(t, env)
	r := runPlugin(t, env.AdminKubeconfig, "", "golive", "--live", "--discover")
	require.Contains(t, []int{0, 1}, r.code, r.msg+r.stderr)
	// Other tests of the package may list more namespaces in the cluster Secret.
	assert.Regexp(t, `(?m)^read (no|\d+) objects? of namespaces `+strings.Join(env.Profile.Namespaces.Managed, ", ")+`(, [a-z0-9-]+)*; `, r.stdout)
	assert.NotContains(t, r.stdout, "(no file)")
	assert.NotContains(t, r.stdout, "file(s)")
}
