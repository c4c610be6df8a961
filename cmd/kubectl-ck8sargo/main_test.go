package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

var (
	env    *testenv.Env
	plugin string // the plugin binary, built once for the package
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ck8sargo-bin-")
	if err != nil {
		panic(err)
	}
	plugin = filepath.Join(dir, "kubectl-ck8sargo")
	out, err := fixture.GoBuild(".", plugin).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the plugin: %v\n%s", err, out)
		os.Exit(1)
	}
	code := testenv.Main(m, &env)
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is how a run of the plugin ended.
type result = fixture.Result

// runPlugin runs the built plugin in dir with the given kubeconfig.
func runPlugin(t testing.TB, dir, kubeconfig string, args ...string) result {
	t.Helper()
	cmd := exec.Command(plugin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+dir)
	return fixture.Run(t, cmd)
}

// assertOneLineError checks the contract for bad input: exit 2, one line on stderr that
// starts with "error: ", no stack trace.
func assertOneLineError(t *testing.T, r result, want string) {
	t.Helper()
	assert.Equal(t, 2, r.Code, "exit code; stderr: %s", r.Stderr)
	assert.Equal(t, 1, strings.Count(r.Stderr, "\n"), "one line: %q", r.Stderr)
	assert.True(t, strings.HasPrefix(r.Stderr, "error: "), r.Stderr)
	assert.Contains(t, r.Stderr, want)
	assert.NotContains(t, r.Stderr, "goroutine")
	assert.NotContains(t, r.Stderr, "panic")
}

func TestBadProfileFilesAreOneLineErrors(t *testing.T) {
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"unknown key", []byte("apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nnamespaces:\n  manged: [shop]\n"), "p.yaml:4: namespaces.manged: unknown key; known keys here: managed, platform"},
		{"wrong type", []byte("apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nfeatures:\n  vals:\n    enabled: 3\n"), `p.yaml:5: features.vals.enabled: expected true or false, found "3"`},
		{"empty file", nil, "p.yaml: the file is empty; write one with `kubectl ck8sargo profile init`"},
		{"binary file", []byte{0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x00}, "p.yaml: not a YAML text file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "p.yaml"), tt.content, 0o644))
			assertOneLineError(t, runPlugin(t, dir, "", "profile", "show", "--profile", "p.yaml"), tt.want)
		})
	}
}

func TestAProfileFoundFromTheWorkingDirectoryIsChecked(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "apps", "shop")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, ".ck8sargo.yaml"), []byte("apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nargocd: {namespace: Argo}\n"), 0o644))
	assertOneLineError(t, runPlugin(t, sub, "", "profile", "show"), `profile ../../.ck8sargo.yaml:3: argocd.namespace: "Argo" is not a namespace name`)
}

func TestUsageMistakesExitWithCode2(t *testing.T) {
	dir := t.TempDir()
	assertOneLineError(t, runPlugin(t, dir, "", "profil"), `unknown command "profil"`)
	assertOneLineError(t, runPlugin(t, dir, "", "version", "--outptu", "json"), "unknown flag: --outptu")
	assertOneLineError(t, runPlugin(t, dir, "", "version", "-o", "xml"), `unsupported output format "xml"`)
}

func TestProfileInitRefusesToOverwriteWithoutForce(t *testing.T) {
	dir := t.TempDir()
	r := runPlugin(t, dir, "", "profile", "init")
	require.Equal(t, 0, r.Code, r.Stderr)
	before, err := os.ReadFile(filepath.Join(dir, ".ck8sargo.yaml"))
	require.NoError(t, err)
	assertOneLineError(t, runPlugin(t, dir, "", "profile", "init"), ".ck8sargo.yaml already exists; pass --force to overwrite it")
	after, err := os.ReadFile(filepath.Join(dir, ".ck8sargo.yaml"))
	require.NoError(t, err)
	assert.Equal(t, before, after, "the file is untouched")
	assert.Equal(t, 0, runPlugin(t, dir, "", "profile", "init", "--force").Code)
	assert.Equal(t, 0, runPlugin(t, dir, "", "profile", "show").Code, "what init wrote is read back")
}

func TestAKubeconfigPointingAtAClosedPortIsOneLineError(t *testing.T) {
	addr := fixture.ClosedPort(t)
	dir := t.TempDir()
	kubeconfig := fixture.Kubeconfig(t, dir, "https://"+addr, "closed")

	r := runPlugin(t, dir, kubeconfig, "profile", "discover")
	assertOneLineError(t, r, fmt.Sprintf(`cannot reach the Kubernetes API server at https://%s (kubeconfig context "closed"): connection refused; check that the cluster is up`, addr))
}

func TestProfileDiscoverFindsTheTenantNamespaces(t *testing.T) {
	testenv.Require(t, env)
	r := runPlugin(t, t.TempDir(), env.AdminKubeconfig, "profile", "discover", "-o", "yaml")
	require.Equal(t, 0, r.Code, r.Stderr)
	assert.Contains(t, r.Stdout, "  managed:\n    - shop\n    - shop-staging\n")
}

func TestAUserWithoutRightsIsOneLineErrorNamingTheRight(t *testing.T) {
	testenv.Require(t, env)
	kubeconfig, _, err := env.AddUser("nobody@example.com", "nobody")
	require.NoError(t, err)
	r := runPlugin(t, t.TempDir(), kubeconfig, "profile", "discover")
	assertOneLineError(t, r, "forbidden: you may not list secrets in namespace argocd-system; ask the Platform Administrator for the right to list secrets in namespace argocd-system")
}

func TestTheRestrictedDeveloperGetsWarningsNotAFailure(t *testing.T) {
	testenv.Require(t, env)
	r := runPlugin(t, t.TempDir(), env.DeveloperKubeconfig, "profile", "discover")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Contains(t, r.Stderr, "warning: forbidden: you may not list secrets in namespace argocd-system")
}

func TestVersionThroughKubectl(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	require.NoError(t, err, "kubectl must be installed (Debian package kubernetes-client)")
	dir := t.TempDir()
	require.NoError(t, os.Symlink(plugin, filepath.Join(dir, "kubectl-ck8sargo")))
	cmd := exec.Command(kubectl, "ck8sargo", "version", "-o", "json")
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), `"goVersion": "go1.`)
}

// BenchmarkStartupVersion measures how long the plugin takes to start and print its
// version: the floor of every command's latency.
func BenchmarkStartupVersion(b *testing.B) {
	for b.Loop() {
		if out, err := exec.Command(plugin, "version").CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}
