package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

// TestExportsToAnS3CompatibleServer builds the example, runs it against the test control
// plane and versitygw, and reads the backup back from the bucket.
func TestExportsToAnS3CompatibleServer(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	bin := filepath.Join(testenv.BinDir(), "versitygw")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("versitygw not found in %s: run `make test-bin`", testenv.BinDir())
	}
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, "backups"), 0o700))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	s3 := exec.Command(bin, "--port", addr, "--access", "AKIAEXAMPLE", "--secret", "example-secret-key", "--quiet", "posix", root)
	require.NoError(t, s3.Start())
	t.Cleanup(func() { _ = s3.Process.Kill(); _ = s3.Wait() })
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, 20*time.Second, 100*time.Millisecond)

	// Something to back up.
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	ns := env.Profile.ArgoCD.Namespace
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": argocdmanaged.APIVersion, "kind": "Application",
		"metadata": map[string]any{"name": "example-shop", "namespace": ns},
		"spec": map[string]any{
			"project": "default", "source": map[string]any{"repoURL": "https://git.example.com/shop.git", "path": "."},
			"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
		},
	}}
	_, err = dyn.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).Create(ctx, app, metav1.CreateOptions{})
	require.NoError(t, err)

	exe := fixture.Build(t, ".", "backup-to-s3")

	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	url := fmt.Sprintf("s3://backups?endpoint=http://%s&use_path_style=true&region=us-east-1&disable_https=true", addr)
	cmd := exec.Command(exe, "-to", url, "-encrypt-to", id.Recipient().String())
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.AdminKubeconfig,
		"AWS_ACCESS_KEY_ID=AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY=example-secret-key")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	var res struct {
		Name      string
		Objects   int
		Encrypted bool
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	assert.True(t, res.Encrypted)
	assert.GreaterOrEqual(t, res.Objects, 1)

	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "example-secret-key")
	st, err := store.Open(ctx, url)
	require.NoError(t, err)
	defer st.Close()
	info, err := st.Stat(ctx, res.Name)
	require.NoError(t, err)
	assert.Equal(t, 1, info.Manifest.Counts["Application"])
}
