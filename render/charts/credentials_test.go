package charts_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
	"github.com/ck8sargo/ck8sargo/render/charts"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestCredentialsFromSecrets(t *testing.T) {
	const manifests = `
- apiVersion: v1
  kind: Secret
  metadata:
    name: private-charts
    labels: {argocd.argoproj.io/secret-type: repository}
  stringData: {type: helm, name: private, url: "https://charts.example.com/private", username: alice, password: pw1}
- apiVersion: v1
  kind: Secret
  metadata:
    name: example-creds
    labels: {argocd.argoproj.io/secret-type: repo-creds}
  data: {type: aGVsbQ==, url: aHR0cHM6Ly9jaGFydHMuZXhhbXBsZS5jb20=, username: Ym9i, password: cHcy}
- apiVersion: v1
  kind: Secret
  metadata:
    name: oci
    labels: {argocd.argoproj.io/secret-type: repository}
  stringData: {type: helm, enableOCI: "true", url: registry.example.com/charts, username: robot, password: pw3}
- apiVersion: v1
  kind: Secret
  metadata:
    name: no-credentials
    labels: {argocd.argoproj.io/secret-type: repository}
  stringData: {url: "https://nameless.example.com"}
- apiVersion: v1
  kind: Secret
  metadata:
    name: public-named
    labels: {argocd.argoproj.io/secret-type: repository}
  stringData: {type: helm, name: public, url: "https://public.example.com"}
- apiVersion: v1
  kind: Secret
  metadata:
    name: cluster
    labels: {argocd.argoproj.io/secret-type: cluster}
  stringData: {url: "https://kubernetes.default.svc", username: x, password: y}
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: argocd-cm
    labels: {argocd.argoproj.io/secret-type: repository}
  data: {url: "https://charts.example.com", username: cm, password: cm}
`
	var objs []map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(manifests), &objs))
	assert.Equal(t, []charts.Credential{
		{URL: "https://charts.example.com/private", Username: "alice", Password: "pw1", Name: "private"},
		{URL: "https://charts.example.com", Username: "bob", Password: "pw2"},
		{URL: "registry.example.com/charts", Username: "robot", Password: "pw3"},
		{URL: "https://public.example.com", Name: "public"},
	}, charts.CredentialsFromSecrets(objs))
}

func TestRepositoryCredentialsFromSecretsAreUsed(t *testing.T) {
	r := newHelmRepo(t, "alice", "pw1")
	r.publish(t, "web", "1.0.0")
	objs := []map[string]any{
		{"kind": "Secret", "metadata": map[string]any{"labels": map[string]any{"argocd.argoproj.io/secret-type": "repo-creds"}},
			"data": map[string]any{"url": b64("http://127.0.0.1"), "username": b64("alice"), "password": b64("wrong")}},
		{"kind": "Secret", "metadata": map[string]any{"labels": map[string]any{"argocd.argoproj.io/secret-type": "repository"}},
			"data": map[string]any{"url": b64(r.URL), "username": b64("alice"), "password": b64("pw1")}},
	}
	f := newFetcher(t, charts.Options{Credentials: charts.CredentialsFromSecrets(objs)})
	c, err := f.Chart(context.Background(), r.URL+"/", "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", c.Metadata.Version)

	_, err = newFetcher(t, charts.Options{}).Chart(context.Background(), r.URL, "web", "1.0.0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401 Unauthorized (check the repository credentials)")
}

func TestCredentialsFromRegistryConfig(t *testing.T) {
	reg := newOCIRegistry(t, "robot", "registry-pass")
	reg.push(t, "robot", "registry-pass", "private", "1.0.0")

	// As `helm registry login` writes it.
	path := filepath.Join(t.TempDir(), "config.json")
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q},"https://index.docker.io/v1/":{"auth":%q}}}`, reg.host, b64("robot:registry-pass"), b64("hub:hubpass"))
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	creds, err := charts.CredentialsFromRegistryConfig(path)
	require.NoError(t, err)
	assert.Contains(t, creds, charts.Credential{URL: "oci://" + reg.host, Username: "robot", Password: "registry-pass"})
	assert.Contains(t, creds, charts.Credential{URL: "oci://registry-1.docker.io", Username: "hub", Password: "hubpass"})

	c, err := newFetcher(t, charts.Options{Credentials: creds}).Chart(context.Background(), reg.host+"/charts", "private", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "private", c.Name())

	none, err := charts.CredentialsFromRegistryConfig(filepath.Join(t.TempDir(), "missing.json"))
	require.NoError(t, err)
	assert.Empty(t, none)

	t.Setenv("HELM_REGISTRY_CONFIG", path)
	p, err := charts.DefaultRegistryConfig()
	require.NoError(t, err)
	assert.Equal(t, path, p)
}

// TestCredentialsNeverInErrorsOrEvents plants a marker password and walks every error path
// with it configured.
func TestCredentialsNeverInErrorsOrEvents(t *testing.T) {
	const marker = "Zq9-MARKER-password-7xK"
	helmRepo := newHelmRepo(t, "alice", marker)
	helmRepo.publish(t, "web", "1.0.0")
	helmRepo.add(t, "tampered", "1.0.0", buildArchive(t, "tampered", "1.0.0"), false, strings.Repeat("0", 64))
	helmRepo.add(t, "escape", "1.0.0", tarGz(t, map[string]string{"escape/../../x": "x"}), false, "")
	wrongRepo := newHelmRepo(t, "alice", "other")
	reg := newOCIRegistry(t, "robot", marker)
	reg.push(t, "robot", marker, "private", "1.0.0")
	wrongReg := newOCIRegistry(t, "robot", "other")
	hang, closed := fixture.SilentServer(t), fixture.ClosedPort(t)

	creds := []charts.Credential{
		{URL: helmRepo.URL, Username: "alice", Password: marker},
		{URL: wrongRepo.URL, Username: "alice", Password: marker},
		{URL: "oci://" + reg.host, Username: "robot", Password: marker},
		{URL: "oci://" + wrongReg.host, Username: "robot", Password: marker},
		{URL: "http://" + hang, Username: "alice", Password: marker},
		{URL: "http://" + closed, Username: "alice", Password: marker},
		{URL: "oci://" + hang, Username: "alice", Password: marker},
	}
	var mu sync.Mutex
	var seen []string
	f := newFetcher(t, charts.Options{Credentials: creds, Timeout: shortTimeout, Progress: func(e charts.Event) {
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%+v %#v", e, e))
		mu.Unlock()
	}})

	cases := []struct{ repo, chart, version string }{
		{helmRepo.URL, "web", "1.0.0"}, // success, for the progress events
		{helmRepo.URL, "web", "9.9.9"},
		{helmRepo.URL, "nope", "1.0.0"},
		{helmRepo.URL, "tampered", "1.0.0"},
		{helmRepo.URL, "escape", "1.0.0"},
		{helmRepo.URL, "web", "not a version !"},
		{wrongRepo.URL, "web", "1.0.0"},
		{"oci://" + reg.host + "/charts", "private", "1.0.0"},
		{"oci://" + reg.host + "/charts", "private", "9.9.9"},
		{"oci://" + reg.host + "/charts", "absent", "^1"},
		{"oci://" + wrongReg.host + "/charts", "private", "^1"},
		{"oci://" + wrongReg.host + "/charts", "private", "1.0.0"},
		{"http://" + hang, "web", "1.0.0"},
		{"oci://" + hang + "/charts", "web", "1.0.0"},
		{"http://" + closed, "web", "1.0.0"},
		{"http://alice:" + marker + "@" + closed, "web", "1.0.0"},
		{"http://alice:" + marker + "@" + closed + "/%zz", "web", "1.0.0"},
		{"ftp://alice:" + marker + "@example.com", "web", "1.0.0"},
	}
	errCount := 0
	for _, tt := range cases {
		_, err := f.Chart(context.Background(), tt.repo, tt.chart, tt.version)
		if err != nil {
			errCount++
			seen = append(seen, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		}
	}
	assert.Equal(t, len(cases)-2, errCount, "every case but the two successes fails")
	offline := newFetcher(t, charts.Options{Credentials: creds, Offline: true, CacheDir: t.TempDir()})
	_, err := offline.Chart(context.Background(), helmRepo.URL, "web", "1.0.0")
	require.Error(t, err)
	seen = append(seen, err.Error())

	bad := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"auths":{"h":{"password":"`+marker+`"`), 0o600))
	_, err = charts.CredentialsFromRegistryConfig(bad)
	require.Error(t, err)
	seen = append(seen, err.Error())
	for _, c := range creds {
		seen = append(seen, c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c))
	}

	require.NotEmpty(t, seen)
	for _, s := range seen {
		assert.NotContains(t, s, marker)
	}
}
