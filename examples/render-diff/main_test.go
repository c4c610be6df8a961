package main

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

const repoURL = "https://git.example.com/team/deploy.git"

// checkout writes one revision of a repository: an Application deploying a local chart
// with a Deployment and a Secret.
func checkout(t *testing.T, replicas, password string) string {
	t.Helper()
	dir := t.TempDir()
	files := fixture.ChartRepo(repoURL, "replicas: "+replicas+"\npassword: "+password+"\n")
	files["chart/templates/secret.yaml"] = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: {{ .Values.password }}}\n"
	fixture.WriteFiles(t, dir, files)
	return dir
}

// TestPreviewBuildsAndShowsWhatAPullRequestChanges builds the program and runs it as a CI
// job would on a pull request.
func TestPreviewBuildsAndShowsWhatAPullRequestChanges(t *testing.T) {
	bin := fixture.Build(t, ".", "render-diff")
	preview := func(args ...string) (int, string, string) {
		r := fixture.Run(t, exec.Command(bin, args...))
		return r.Code, r.Stdout, r.Stderr
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
