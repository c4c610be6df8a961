package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const gitAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: teams, namespace: argocd-system}
spec:
  goTemplate: true
  generators:
  - matrix:
      generators:
      - git:
          repoURL: https://github.com/example/platform.git
          revision: HEAD
          directories: [{path: 'apps/*'}]
      - list: {elements: [{env: staging}]}
  template:
    metadata: {name: '{{.path.basename}}-{{.env}}'}
    spec:
      project: default
      source: {repoURL: https://github.com/example/platform.git, path: '{{.path.path}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.path.basename}}'}
`

// appsetRepo is a git work tree whose origin is github.com/example/platform.
func appsetRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := policyRepo(t, files)
	for _, args := range [][]string{{"init", "-q"}, {"remote", "add", "origin", "git@github.com:example/platform.git"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	return dir
}

func TestAppsetGenerateReadsTheCheckoutItIsIn(t *testing.T) {
	dir := appsetRepo(t, map[string]string{"appset.yaml": gitAppSet, "apps/shop/cm.yaml": cleanConfigMap, "apps/cart/cm.yaml": cleanConfigMap})
	r := runPolicyCmd(t, dir, "", "appset", "generate", "appset.yaml", "-o", "json")
	require.Equal(t, 0, r.code, r.msg+r.stderr)
	var list struct {
		Kind  string
		Items []struct {
			Metadata struct{ Name, Namespace string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	assert.Equal(t, "List", list.Kind)
	require.Len(t, list.Items, 2)
	assert.Equal(t, "cart-staging", list.Items[0].Metadata.Name)
	assert.Equal(t, "shop-staging", list.Items[1].Metadata.Name)
	assert.Equal(t, "argocd-system", list.Items[1].Metadata.Namespace)
}

func TestAppsetGenerateNamesWhatIsNotRendered(t *testing.T) {
	dir := appsetRepo(t, map[string]string{"appset.yaml": gitAppSet})
	r := runPolicyCmd(t, dir, "", "appset", "generate", "appset.yaml", "--repo-url", "https://github.com/example/other.git")
	assert.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stderr, "ApplicationSet teams: not-rendered spec.generators[0].matrix.generators[0].git: git generator on another repository")
	assert.Empty(t, r.stdout)
}

func TestAppsetGenerateExitCodes(t *testing.T) {
	bad := "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: bad}\nspec:\n  goTemplate: true\n  generators: [{list: {elements: [{a: b}]}}]\n  template: {metadata: {name: '{{ .a '}}\n"
	dir := policyRepo(t, map[string]string{"bad.yaml": bad, "cm.yaml": cleanConfigMap, "broken.yaml": "a: [b"})
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a template Argo CD fails on exits 1", []string{"bad.yaml"}, 1, "ApplicationSet bad: failed spec.template: rendering the template: failed to parse template"},
		{"a file without an ApplicationSet is a usage error", []string{"cm.yaml"}, 2, "cm.yaml holds no ApplicationSet"},
		{"a file that is not YAML is a usage error", []string{"broken.yaml"}, 2, "broken.yaml: document 1 is not YAML"},
		{"a missing file is a usage error", []string{"nope.yaml"}, 2, "reading nope.yaml"},
		{"an unknown output format is a usage error", []string{"bad.yaml", "-o", "name"}, 2, "unsupported output format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPolicyCmd(t, dir, "", append([]string{"appset", "generate"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code)
			assert.Contains(t, r.msg+r.stderr, tt.want)
		})
	}
}

func TestAppsetGenerateReadsStdin(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "x"), 0o755))
	in := "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: l}\nspec:\n  generators: [{list: {elements: [{env: dev}]}}]\n  template: {metadata: {name: 'l-{{env}}'}, spec: {project: default}}\n"
	r := runPolicyCmd(t, dir, in, "appset", "generate", "-")
	require.Equal(t, 0, r.code, r.msg)
	assert.Contains(t, r.stdout, "name: l-dev")
	assert.Contains(t, r.stdout, "kind: Application")
}

// A git generator on another repository is marked as such by the library (a typed field,
// not its words); the plugin then names the flag that says which repository the checkout
// is, unless --repo-url was given.
func TestAppsetGenerateNamesRepoURLForAnotherRepository(t *testing.T) {
	notGit := policyRepo(t, map[string]string{"appset.yaml": gitAppSet})
	other := appsetRepo(t, map[string]string{"appset.yaml": gitAppSet, "apps/shop/cm.yaml": cleanConfigMap})
	tests := []struct {
		name     string
		dir      string
		args     []string
		hint     bool
		rendered bool
	}{
		{"no checkout and no URL: the flag is named", notGit, nil, true, false},
		{"another URL given: no flag to name", other, []string{"--repo-url", "https://github.com/example/other.git"}, false, false},
		{"the checkout's URL: rendered", other, nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPolicyCmd(t, tt.dir, "", append([]string{"appset", "generate", "appset.yaml"}, tt.args...)...)
			assert.Equal(t, 0, r.code, r.msg)
			if tt.hint {
				assert.Contains(t, r.stderr, "git generator on another repository (https://github.com/example/platform.git): only the checkout of none given is read (pass --repo-url)")
			} else {
				assert.NotContains(t, r.stderr, "--repo-url")
			}
			assert.Equal(t, tt.rendered, r.stdout != "", r.stdout)
		})
	}
}
