package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wireMultiSource = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
spec:
  sources:
    - repoURL: https://github.com/example/shop.git
      path: charts/shop
      targetRevision: main
      helm:
        valueFiles:
          - $values/env/prod/values.yaml
    - repoURL: REPO
      targetRevision: main
      ref: values
`

func writeWireApp(t *testing.T, valuesRepo string) string {
	t.Helper()
	app := filepath.Join(t.TempDir(), "app.yaml")
	require.NoError(t, os.WriteFile(app, []byte(strings.Replace(wireMultiSource, "REPO", valuesRepo, 1)), 0o644))
	return app
}

func TestSecretsWire_multiSourceWritesTheFormArgoCDResolves(t *testing.T) {
	app := writeWireApp(t, "https://github.com/example/shop.git")
	r := runSopsCmd(t, "secrets", "wire", app, "--values-file", "$values/env/prod/secrets.yaml")
	require.Equal(t, 0, r.code, r.all())
	got, err := os.ReadFile(app)
	require.NoError(t, err)
	assert.Contains(t, string(got), "          - $values/env/prod/values.yaml\n          - secrets://../../env/prod/secrets.yaml\n")
	assert.NotContains(t, string(got), "secrets://$values")
	assert.Contains(t, r.stdout, "added secrets://../../env/prod/secrets.yaml in spec.sources[0].helm.valueFiles")
	assert.Contains(t, r.stderr, "HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL", "the one thing the form relies on is said")

	t.Run("the broken form given literally is rewritten too", func(t *testing.T) {
		app := writeWireApp(t, "git@github.com:example/shop.git")
		r := runSopsCmd(t, "secrets", "wire", app, "--values-file", "secrets://$values/env/prod/secrets.yaml", "--dry-run")
		require.Equal(t, 0, r.code, r.all())
		assert.Contains(t, r.stdout, "- secrets://../../env/prod/secrets.yaml\n")
	})
}

func TestSecretsWire_refusesWhereArgoCDResolvesNoForm(t *testing.T) {
	app := writeWireApp(t, "https://github.com/example/shop-config.git")
	before, err := os.ReadFile(app)
	require.NoError(t, err)
	r := runSopsCmd(t, "secrets", "wire", app, "--values-file", "$values/env/prod/secrets.yaml")
	assert.Equal(t, ExitError, r.code, r.all())
	assert.NotContains(t, strings.TrimSpace(r.msg), "\n", "one line")
	for _, want := range []string{"argoproj/argo-cd#11866", "another repository", "--vals", "chart's own Git repository"} {
		assert.Contains(t, r.msg, want)
	}
	after, err := os.ReadFile(app)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing is written")
}

func TestSecretsWire_dryRunAsKubectlUsersTypeIt(t *testing.T) {
	app := writeWireApp(t, "https://github.com/example/shop.git")
	before, err := os.ReadFile(app)
	require.NoError(t, err)
	for _, args := range [][]string{{"--dry-run"}, {"--dry-run=client"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runSopsCmd(t, append([]string{"secrets", "wire", app, "--vals", "password=vault:secret/data/shop#password"}, args...)...)
			require.Equal(t, 0, r.code, r.all())
			assert.Contains(t, r.stdout, "path: secrets+literal://vals!ref+vault://secret/data/shop#/password")
			after, err := os.ReadFile(app)
			require.NoError(t, err)
			assert.Equal(t, before, after)
		})
	}
	r := runSopsCmd(t, "secrets", "wire", app, "--vals", "password=vault:secret/data/shop#password", "--dry-run=server")
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.msg, "--dry-run=client")
}
