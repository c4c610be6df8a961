package wire_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/secrets/wire"
)

const (
	shopRepo   = "https://github.com/example/shop.git"
	configRepo = "https://github.com/example/shop-config.git"
)

func TestResolveSecretsFileWritesOnlyFormsArgoCDResolves(t *testing.T) {
	gitChart := &argocdmanaged.ApplicationSource{RepoURL: shopRepo, Path: "deploy/helm/app", TargetRevision: "main"}
	tests := []struct {
		name    string
		file    string
		sources []*argocdmanaged.ApplicationSource
		want    string
		note    bool
	}{
		{"a file beside the chart", "secrets.yaml", []*argocdmanaged.ApplicationSource{gitChart}, "secrets://secrets.yaml", false},
		{"secrets:// given already", "secrets://secrets.yaml", []*argocdmanaged.ApplicationSource{gitChart}, "secrets://secrets.yaml", false},
		{"$ref of the same repository and revision, under the chart", "$values/deploy/helm/app/env/secrets.yaml",
			[]*argocdmanaged.ApplicationSource{gitChart, {RepoURL: shopRepo, TargetRevision: "main", Ref: "values"}}, "secrets://env/secrets.yaml", false},
		{"$ref of the same repository written another way, outside the chart", "secrets://$values/env/prod/secrets.yaml",
			[]*argocdmanaged.ApplicationSource{gitChart, {RepoURL: "git@github.com:example/shop", TargetRevision: "main", Ref: "values"}}, "secrets://../../../env/prod/secrets.yaml", true},
		{"the chart source is its own ref", "$self/env/secrets.yaml",
			[]*argocdmanaged.ApplicationSource{{RepoURL: shopRepo, Path: ".", Ref: "self"}}, "secrets://env/secrets.yaml", false},
		{"another scheme is left as it is", "secrets+gpg-import:///keys/key.asc?secrets.yaml", []*argocdmanaged.ApplicationSource{gitChart}, "secrets+gpg-import:///keys/key.asc?secrets.yaml", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := wire.ResolveSecretsFile(tt.file, tt.sources, 0)
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Entry)
			assert.NotContains(t, r.Entry, "$", "Argo CD never resolves a $ref behind secrets://")
			if tt.note {
				assert.Equal(t, wire.TraversalNote, r.Note)
			} else {
				assert.Empty(t, r.Note)
			}
		})
	}
}

func TestResolveSecretsFileRefusesWhereNoFormExists(t *testing.T) {
	gitChart := &argocdmanaged.ApplicationSource{RepoURL: shopRepo, Path: "deploy/helm/app", TargetRevision: "main"}
	helmChart := &argocdmanaged.ApplicationSource{RepoURL: "https://charts.example.com", Chart: "shop", TargetRevision: "1.4.0"}
	tests := []struct {
		name    string
		file    string
		sources []*argocdmanaged.ApplicationSource
		want    []string
	}{
		{"values in another repository", "$values/env/prod/secrets.yaml",
			[]*argocdmanaged.ApplicationSource{gitChart, {RepoURL: configRepo, TargetRevision: "main", Ref: "values"}},
			[]string{configRepo, "another repository", wire.Issue11866, "vals file parameter", "chart's own Git repository"}},
		{"a chart from a Helm repository with values in Git", "$values/env/prod/secrets.yaml",
			[]*argocdmanaged.ApplicationSource{helmChart, {RepoURL: configRepo, Ref: "values"}},
			[]string{"chart shop", "umbrella chart", wire.Issue11866}},
		{"a chart from a Helm repository with a file of its own", "secrets.yaml",
			[]*argocdmanaged.ApplicationSource{helmChart}, []string{"unpacked chart", "umbrella chart"}},
		{"the same repository at another revision", "$values/env/secrets.yaml",
			[]*argocdmanaged.ApplicationSource{gitChart, {RepoURL: shopRepo, TargetRevision: "v2", Ref: "values"}},
			[]string{"revision v2", "same targetRevision"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.ResolveSecretsFile(tt.file, tt.sources, 0)
			var ue *wire.UnresolvableError
			require.ErrorAs(t, err, &ue)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
	t.Run("an unknown $ref", func(t *testing.T) {
		_, err := wire.ResolveSecretsFile("$nope/x.yaml", []*argocdmanaged.ApplicationSource{gitChart}, 0)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "$nope is the ref of no entry of spec.sources")
	})
}

func TestAddSecretsValueFileMultiSource(t *testing.T) {
	sameRepo := `apiVersion: argoproj.io/v1alpha1
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
    - repoURL: https://github.com/example/shop.git
      targetRevision: main
      ref: values
`
	out, ch, err := wire.AddSecretsValueFile([]byte(sameRepo), "$values/env/prod/secrets.yaml", wire.DefaultTarget())
	require.NoError(t, err)
	assert.Equal(t, "spec.sources[0]", ch.Source)
	assert.Equal(t, "secrets://../../env/prod/secrets.yaml", ch.Entry)
	assert.Equal(t, wire.TraversalNote, ch.Note)
	assert.Equal(t, strings.Replace(sameRepo, "          - $values/env/prod/values.yaml\n",
		"          - $values/env/prod/values.yaml\n          - secrets://../../env/prod/secrets.yaml\n", 1), string(out))

	again, ch, err := wire.AddSecretsValueFile(out, "$values/env/prod/secrets.yaml", wire.DefaultTarget())
	require.NoError(t, err)
	assert.False(t, ch.Added)
	assert.Equal(t, out, again)

	other := strings.Replace(sameRepo, "    - repoURL: https://github.com/example/shop.git\n      targetRevision: main\n      ref: values",
		"    - repoURL: https://github.com/example/shop-config.git\n      targetRevision: main\n      ref: values", 1)
	_, _, err = wire.AddSecretsValueFile([]byte(other), "$values/env/prod/secrets.yaml", wire.DefaultTarget())
	var ue *wire.UnresolvableError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "in Application shop, spec.sources[0]")
}
