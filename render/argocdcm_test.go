package render_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/render"
)

func TestArgoCDConfigReadsTheKeysArgoCDReads(t *testing.T) {
	tests := []struct {
		name string
		data map[string]string
		want render.ArgoCDConfig
		err  string
	}{
		{"empty: Argo CD's default value file schemes", map[string]string{},
			render.ArgoCDConfig{HelmValuesFileSchemes: []string{"https", "http"}}, ""},
		{"every key", map[string]string{
			"kustomize.buildOptions": "--enable-helm --load-restrictor LoadRestrictionsNone",
			"resource.exclusions":    "- apiGroups: ['*.example.com']\n  kinds: ['*']\n  clusters: ['*']\n",
			"resource.inclusions":    "- apiGroups: ['']\n  kinds: [ConfigMap]\n",
			"helm.valuesFileSchemes": " secrets+age-import, secrets ,https,",
		}, render.ArgoCDConfig{
			KustomizeBuildOptions: "--enable-helm --load-restrictor LoadRestrictionsNone",
			ResourceExclusions:    []render.ResourceFilter{{APIGroups: []string{"*.example.com"}, Kinds: []string{"*"}, Clusters: []string{"*"}}},
			ResourceInclusions:    []render.ResourceFilter{{APIGroups: []string{""}, Kinds: []string{"ConfigMap"}}},
			HelmValuesFileSchemes: []string{"secrets+age-import", "secrets", "https"},
		}, ""},
		{"bad build option", map[string]string{"kustomize.buildOptions": "--reorder sideways"}, render.ArgoCDConfig{},
			`kustomize.buildOptions: --reorder "sideways" is not legacy or none`},
		{"exclusions not a list", map[string]string{"resource.exclusions": "kinds: [Pod]"}, render.ArgoCDConfig{},
			"resource.exclusions is not a list of {apiGroups, kinds, clusters}"},
		{"unknown filter field", map[string]string{"resource.inclusions": "- {groups: [apps]}"}, render.ArgoCDConfig{},
			"resource.inclusions is not a list of {apiGroups, kinds, clusters}"},
		{"bad glob", map[string]string{"resource.exclusions": "- apiGroups: ['[a']"}, render.ArgoCDConfig{},
			`resource.exclusions: "[a" is not a glob`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render.ArgoCDConfigFromData(tt.data)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExcludedFollowsArgoCDsResourcesFilter(t *testing.T) {
	const cluster = "https://kubernetes.default.svc"
	tests := []struct {
		name        string
		cfg         render.ArgoCDConfig
		group, kind string
		excluded    bool
	}{
		{"nothing set: a Deployment is deployed", render.ArgoCDConfig{}, "apps", "Deployment", false},
		{"nothing set: Events are always excluded", render.ArgoCDConfig{}, "", "Event", true},
		{"nothing set: events.k8s.io is always excluded", render.ArgoCDConfig{}, "events.k8s.io", "Event", true},
		{"nothing set: Leases are always excluded", render.ArgoCDConfig{}, "coordination.k8s.io", "Lease", true},
		{"excluded by group glob", render.ArgoCDConfig{ResourceExclusions: []render.ResourceFilter{{APIGroups: []string{"*.example.com"}}}}, "shop.example.com", "Widget", true},
		{"exclusion on another cluster", render.ArgoCDConfig{ResourceExclusions: []render.ResourceFilter{{Kinds: []string{"Secret"}, Clusters: []string{"https://other.*"}}}}, "", "Secret", false},
		{"exclusion wins over inclusion", render.ArgoCDConfig{
			ResourceExclusions: []render.ResourceFilter{{Kinds: []string{"Secret"}}},
			ResourceInclusions: []render.ResourceFilter{{Kinds: []string{"Secret"}}}}, "", "Secret", true},
		{"inclusions leave the rest of their cluster out", render.ArgoCDConfig{ResourceInclusions: []render.ResourceFilter{{APIGroups: []string{"apps"}}}}, "", "ConfigMap", true},
		{"included", render.ArgoCDConfig{ResourceInclusions: []render.ResourceFilter{{APIGroups: []string{"apps"}}}}, "apps", "Deployment", false},
		{"inclusions for another cluster leave this one alone", render.ArgoCDConfig{ResourceInclusions: []render.ResourceFilter{{APIGroups: []string{"apps"}, Clusters: []string{"https://other"}}}}, "", "ConfigMap", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.excluded, tt.cfg.Excluded(tt.group, tt.kind, cluster))
		})
	}
}

func TestExcludedObjectsAreLeftOutWithANote(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"manifests/cm.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
		"manifests/event.yaml": "apiVersion: v1\nkind: Event\nmetadata: {name: e}\n",
		"manifests/sa.yaml":    "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s}\n",
	})
	r := renderer(t, root, func(o *render.Options) {
		o.ArgoCDConfig.ResourceExclusions = []render.ResourceFilter{{Kinds: []string{"ServiceAccount"}}}
	})
	a := find(renderApps(t, r, app("x", "repoURL: "+testRepo+"\npath: manifests")), "x")
	require.NotNil(t, a)
	assert.Equal(t, []string{"ConfigMap/a"}, objectNames(a))
	require.Len(t, a.Notes, 2)
	for _, n := range a.Notes {
		assert.Equal(t, render.NoteNotRendered, n.Kind)
		assert.Contains(t, n.Message, "is excluded in the settings")
	}
	assert.Equal(t, "manifests/event.yaml", a.Notes[0].File)
}

func TestValueFileSchemesAreCheckedWhenArgoCDCMIsKnown(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"charts/web/Chart.yaml":          "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"charts/web/values.yaml":         "a: 1\n",
		"charts/web/templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: {{ .Values.a | quote }}}\n",
		"charts/web/secrets.yaml":        "a: 2\n",
		"charts/web/values-extra.yaml":   "a: 3\n",
		"charts/web/templates/_help.tpl": "",
	})
	src := "repoURL: " + testRepo + "\npath: charts/web\nhelm: {valueFiles: [secrets://secrets.yaml]}"
	tests := []struct {
		name    string
		schemes []string
		failed  string
	}{
		{"argocd-cm not known: not checked", nil, ""},
		{"secrets allowed", []string{"secrets", "https"}, ""},
		{"Argo CD's default refuses secrets://", []string{"https", "http"}, `the URL scheme 'secrets' of secrets://secrets.yaml is not allowed: helm.valuesFileSchemes of argocd-cm is "https, http"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := renderer(t, root, func(o *render.Options) { o.ArgoCDConfig.HelmValuesFileSchemes = tt.schemes })
			a := find(renderApps(t, r, app("web", src)), "web")
			require.NotNil(t, a)
			if tt.failed == "" {
				assert.Empty(t, a.Notes)
				assert.Equal(t, []string{"ConfigMap/web"}, objectNames(a))
				return
			}
			require.Len(t, a.Notes, 1)
			assert.Equal(t, render.NoteRenderFailed, a.Notes[0].Kind)
			assert.Contains(t, a.Notes[0].Message, tt.failed)
		})
	}
}

func TestLoadArgoCDConfigReadsAManifest(t *testing.T) {
	p := filepath.Join(t.TempDir(), "argocd-cm.yaml")
	require.NoError(t, os.WriteFile(p, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm}\ndata:\n  kustomize.buildOptions: --enable-helm\n  helm.valuesFileSchemes: secrets\n"), 0o600))
	c, err := render.LoadArgoCDConfig(p)
	require.NoError(t, err)
	assert.Equal(t, render.ArgoCDConfig{KustomizeBuildOptions: "--enable-helm", HelmValuesFileSchemes: []string{"secrets"}}, c)
	require.NoError(t, os.WriteFile(p, []byte("apiVersion: v1\nkind: ConfigMap\ndata: {resource.exclusions: [1]}\n"), 0o600))
	_, err = render.LoadArgoCDConfig(p)
	assert.ErrorContains(t, err, "data.resource.exclusions is not a string")
}

func TestTheProfileGivesKustomizeBuildOptionsWithoutArgoCDCM(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"overlay/kustomization.yaml":          "helmCharts:\n- {name: web, releaseName: web}\n",
		"overlay/charts/web/Chart.yaml":       "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"overlay/charts/web/values.yaml":      "{}\n",
		"overlay/charts/web/templates/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
	})
	m := app("x", "repoURL: "+testRepo+"\npath: overlay")
	r := renderer(t, root, func(o *render.Options) { o.Profile.ArgoCD.KustomizeBuildOptions = "--enable-helm" })
	a := find(renderApps(t, r, m), "x")
	require.NotNil(t, a)
	assert.Empty(t, a.Notes)
	assert.Equal(t, []string{"ConfigMap/a"}, objectNames(a))

	r = renderer(t, root, func(o *render.Options) {
		o.Profile.ArgoCD.KustomizeBuildOptions = "--enable-helm"
		o.ArgoCDConfig.KustomizeBuildOptions = "--load-restrictor LoadRestrictionsRootOnly"
	})
	a = find(renderApps(t, r, m), "x")
	require.Len(t, a.Notes, 1, "argocd-cm's options win over the profile's")
	assert.Contains(t, a.Notes[0].Message, "need --enable-helm")
}
