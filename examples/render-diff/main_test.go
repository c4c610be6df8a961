package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const repoURL = "https://git.example.com/team/deploy.git"

// checkout writes one revision of a repository: an Application deploying a local chart
// with a ConfigMap and a Secret.
func checkout(t *testing.T, replicas, password string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"apps/shop.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd-system}
spec:
  project: default
  source: {repoURL: ` + repoURL + `, path: chart}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`,
		"chart/Chart.yaml":  "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
		"chart/values.yaml": "replicas: " + replicas + "\npassword: " + password + "\n",
		"chart/templates/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.example.com/web:1.0}]}
`,
		"chart/templates/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: {{ .Values.password }}}\n",
	}
	for name, text := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	return dir
}

// TestPreviewBuildsAndShowsWhatAPullRequestChanges builds the program and runs it as a CI
// job would on a pull request.
func TestPreviewBuildsAndShowsWhatAPullRequestChanges(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "render-diff")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	preview := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out), stderr.String()
		}
		require.NoError(t, err)
		return 0, string(out), stderr.String()
	}

	base := checkout(t, "2", "old-s3cret-value")
	head := checkout(t, "3", "new-s3cret-value")
	code, out, stderr := preview("-base", base, "-head", head, "-repo-url", repoURL, "apps")
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, out, "What this pull request deploys")
	assert.Contains(t, out, "Deployment")
	assert.Contains(t, out, "replicas: 3")
	assert.Contains(t, out, "password", "the Secret's changed key is named")
	assert.NotContains(t, out, "s3cret", "no Secret value, old or new")

	code, out, _ = preview("-base", base, "-head", base, "-repo-url", repoURL, "-format", "json", "apps")
	assert.Equal(t, 0, code, "no change: %s", out)

	code, _, stderr = preview("-head", head, "-repo-url", repoURL)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "give -base DIR")

	code, _, stderr = preview("-base", base, "-head", head, "-repo-url", repoURL, "missing")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "missing")
}
