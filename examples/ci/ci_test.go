package ci_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

const repoURL = "https://git.example.com/team/deploy.git"

// job is what a test needs to run a CI job's commands: a directory, an environment, and
// the plugin on PATH.
type job struct {
	dir string
	env []string
}

func (j job) sh(t *testing.T, script string, env ...string) {
	t.Helper()
	cmd := exec.Command("bash", "-e", "-c", script) // GitHub runs `bash -e {0}`; GitLab stops at a failing line
	cmd.Dir = j.dir
	cmd.Env = append(append(os.Environ(), j.env...), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", script, out)
}

func git(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

// pullRequest builds the plugin and a clone whose branch raises the replicas of a chart's
// Deployment over main; its origin is named by the URL the Applications use and reached,
// through git's insteadOf, in a bare repository.
func pullRequest(t *testing.T) job {
	t.Helper()
	tmp := t.TempDir()
	bin := filepath.Dir(fixture.Build(t, "../../cmd/kubectl-ck8sargo", "kubectl-ck8sargo"))

	origin := filepath.Join(tmp, "origin.git")
	gitconfig := filepath.Join(tmp, "gitconfig")
	require.NoError(t, os.WriteFile(gitconfig, []byte("[url \""+origin+"\"]\n\tinsteadOf = "+repoURL+"\n[user]\n\tname = ci\n\temail = ci@example.com\n"), 0o644))
	env := []string{"GIT_CONFIG_GLOBAL=" + gitconfig, "GIT_CONFIG_NOSYSTEM=1", "HOME=" + tmp, "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	git(t, tmp, env, "init", "-q", "--bare", "-b", "main", origin)
	work := filepath.Join(tmp, "work")
	git(t, tmp, env, "clone", "-q", repoURL, work)
	fixture.WriteFiles(t, work, fixture.ChartRepo(repoURL, "replicas: 2\n"))
	git(t, work, env, "add", ".")
	git(t, work, env, "commit", "-q", "-m", "shop")
	git(t, work, env, "push", "-q", "origin", "main")
	git(t, work, env, "checkout", "-q", "-b", "more-replicas")
	fixture.WriteFiles(t, work, map[string]string{"chart/values.yaml": "replicas: 3\n"})
	git(t, work, env, "commit", "-q", "-am", "three replicas")
	return job{dir: work, env: env}
}

// api is a loopback stand-in for the GitHub or GitLab API: it records each request.
type api struct {
	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	body         string
}

func (a *api) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.requests = append(a.requests, recorded{r.Method, r.URL.Path, r.Header.Clone(), string(b)})
		a.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id": 1}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func readDiff(t *testing.T, j job) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(j.dir, "diff.md"))
	require.NoError(t, err)
	md := string(b)
	assert.Contains(t, md, "replicas: 3", "the pull request's change is in the diff")
	assert.Contains(t, md, "Deployment")
	return md
}

func TestTheGitHubWorkflowPostsTheDiffOnThePullRequest(t *testing.T) {
	data, err := os.ReadFile("github-render-diff.yml")
	require.NoError(t, err)
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string            `yaml:"name"`
				Run  string            `yaml:"run"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &wf))
	steps := map[string]string{}
	for _, s := range wf.Jobs["render-diff"].Steps {
		steps[s.Name] = s.Run
	}
	require.Contains(t, steps, "Render the diff")
	require.Contains(t, steps, "Post it on the pull request")

	j := pullRequest(t)
	// The ${{ }} expressions of the step's env, as GitHub sets them for pull request 7 on main.
	j.sh(t, steps["Render the diff"], "BASE_REF=main")
	md := readDiff(t, j)

	var gh api
	j.sh(t, steps["Post it on the pull request"], "GH_TOKEN=t0ken", "PR=7", "GITHUB_API_URL="+gh.start(t), "GITHUB_REPOSITORY=team/deploy")
	require.Len(t, gh.requests, 1)
	r := gh.requests[0]
	assert.Equal(t, "POST /repos/team/deploy/issues/7/comments", r.method+" "+r.path)
	assert.Equal(t, "Bearer t0ken", r.header.Get("Authorization"))
	var body struct{ Body string }
	require.NoError(t, json.Unmarshal([]byte(r.body), &body))
	assert.Equal(t, md, body.Body, "the comment is the diff, byte for byte")
}

func TestTheGitLabJobPostsTheDiffOnTheMergeRequest(t *testing.T) {
	data, err := os.ReadFile("gitlab-render-diff.yml")
	require.NoError(t, err)
	var ci map[string]struct {
		Script []string `yaml:"script"`
	}
	require.NoError(t, yaml.Unmarshal(data, &ci))
	script := ci["render-diff"].Script
	require.NotEmpty(t, script)

	j := pullRequest(t)
	var gl api
	env := []string{"CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main", "GITLAB_TOKEN=t0ken", "CI_API_V4_URL=" + gl.start(t) + "/api/v4",
		"CI_PROJECT_ID=42", "CI_MERGE_REQUEST_IID=7"}
	for _, line := range script {
		j.sh(t, line, env...)
	}
	md := readDiff(t, j)
	require.Len(t, gl.requests, 1)
	r := gl.requests[0]
	assert.Equal(t, "POST /api/v4/projects/42/merge_requests/7/notes", r.method+" "+r.path)
	assert.Equal(t, "t0ken", r.header.Get("PRIVATE-TOKEN"))
	form, err := url.ParseQuery(r.body)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimRight(md, "\n"), strings.TrimRight(form.Get("body"), "\n"), "the note is the diff")
}
