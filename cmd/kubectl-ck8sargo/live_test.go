package main_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// silentKubeconfig writes a kubeconfig for a silent server into dir, with a repository
// that golive and policy can read.
func silentKubeconfig(t *testing.T, dir string) string {
	t.Helper()
	kubeconfig := fixture.Kubeconfig(t, dir, "http://"+fixture.SilentServer(t), "silent")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deploy.yaml"), []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.example.com/web:1.0}]
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".ck8sargo.yaml"), []byte("apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nnamespaces:\n  managed: [shop]\n"), 0o644))
	return kubeconfig
}

// Every command that reads the cluster must end with the one-line "cannot reach" error
// when the server accepts and never answers: never hang, never a verdict about a cluster
// that was not read.
func TestCommandsAgainstAServerThatNeverAnswersEndWithCannotReach(t *testing.T) {
	commands := [][]string{
		{"golive", "deploy.yaml", "--live"},
		{"golive", "--live", "--discover"},
		{"policy", "check", "deploy.yaml", "--live"},
		{"doctor"},
		{"profile", "discover"},
		{"namespace", "list"},
	}
	for _, args := range commands {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			dir := t.TempDir()
			kubeconfig := silentKubeconfig(t, dir)
			start := time.Now()
			r := runPlugin(t, dir, kubeconfig, append(args, "--request-timeout", "2s")...)
			assert.Less(t, time.Since(start), 20*time.Second, "bounded by --request-timeout")
			assert.Equal(t, 2, r.Code, "stdout: %s\nstderr: %s", r.Stdout, r.Stderr)
			assert.Contains(t, r.Stderr, "cannot reach the Kubernetes API server")
			assert.NotContains(t, r.Stdout, "pass")
		})
	}
}

// A server that accepts and never answers ends at the first Ctrl-C, with the shell's exit
// code for SIGINT, even when no request timeout is set.
func TestFirstCtrlCStopsABlockedCommand(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := silentKubeconfig(t, dir)
	cmd := exec.Command(plugin, "golive", "deploy.yaml", "--live")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	time.Sleep(time.Second) // blocked on the silent server by now
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "exit: %v", err)
		assert.Equal(t, 130, ee.ExitCode())
		assert.Contains(t, stderr.String(), "interrupted by Ctrl-C")
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("still running 10 s after Ctrl-C")
	}
}
