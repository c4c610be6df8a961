package appset_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/render/appset"
)

func appSetFrom(t testing.TB, spec string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal([]byte("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: shop}\nspec:\n"+spec), &m))
	return m
}

func TestGenerateNotes(t *testing.T) {
	const tmpl = "  template:\n    metadata: {name: 'x-{{.name}}'}\n    spec: {project: default, destination: {server: https://kubernetes.default.svc, namespace: shop}}\n"
	tests := []struct {
		name      string
		spec      string
		kind      appset.NoteKind
		generator string
		message   string
	}{
		{"a template that does not parse fails", "  goTemplate: true\n  generators: [{list: {elements: [{name: a}]}}]\n  template:\n    metadata: {name: '{{ .name '}\n",
			appset.NoteFailed, "spec.template", "failed to parse template"},
		{"a missingkey=error miss fails", "  goTemplate: true\n  goTemplateOptions: [missingkey=error]\n  generators: [{list: {elements: [{name: a}]}}]\n  template:\n    metadata: {name: '{{ .nope }}'}\n",
			appset.NoteFailed, "spec.template", `map has no entry for key "nope"`},
		{"an unknown goTemplateOption fails", "  goTemplate: true\n  goTemplateOptions: [missingkey=maybe]\n  generators: [{list: {elements: [{name: a}]}}]\n" + tmpl,
			appset.NoteFailed, "spec.template", "goTemplateOptions"},
		{"a matrix nested too deep fails", "  goTemplate: true\n  generators:\n  - matrix:\n      generators:\n      - list: {elements: [{name: a}]}\n      - matrix:\n          generators:\n          - list: {elements: [{b: x}]}\n          - matrix: {generators: [{list: {elements: [{c: y}]}}, {list: {elements: [{d: z}]}}]}\n" + tmpl,
			appset.NoteFailed, "spec.generators[0].matrix.generators[1].matrix.generators[1]", "matrix nested too deep"},
		{"duplicate names fail", "  generators: [{list: {elements: [{name: a}, {name: b}]}}]\n  template:\n    metadata: {name: same}\n",
			appset.NoteFailed, "spec.generators", "duplicate name: same"},
		{"a git path outside the repository fails", "  generators: [{git: {repoURL: 'git@github.com:example/shop.git', revision: HEAD, files: [{path: '../../etc/*.json'}]}}]\n" + tmpl,
			appset.NoteFailed, "spec.generators[0].git.files[0].path", "outside the repository"},
		{"a git directory outside the repository fails", "  generators: [{git: {repoURL: 'https://github.com/example/shop', revision: HEAD, directories: [{path: '/etc'}]}}]\n" + tmpl,
			appset.NoteFailed, "spec.generators[0].git.directories[0].path", "outside the repository"},
		{"another repository is not rendered", "  generators: [{git: {repoURL: 'https://github.com/example/other.git', revision: HEAD, directories: [{path: '*'}]}}]\n" + tmpl,
			appset.NoteNotRendered, "spec.generators[0].git", "another repository"},
		{"a revision not checked out is not rendered", "  generators: [{git: {repoURL: 'https://github.com/example/shop.git', revision: release-1, directories: [{path: '*'}]}}]\n" + tmpl,
			appset.NoteNotRendered, "spec.generators[0].git", "not checked out (offline)"},
		{"an SCM provider is not rendered", "  generators: [{scmProvider: {github: {organization: example}}}]\n" + tmpl,
			appset.NoteNotRendered, "spec.generators[0].scmProvider", "scmProvider generator is not expanded offline"},
		{"pull requests are not rendered", "  generators: [{pullRequest: {github: {owner: example, repo: shop}}}]\n" + tmpl,
			appset.NoteNotRendered, "spec.generators[0].pullRequest", "pullRequest"},
		{"a cluster decision resource is not rendered", "  generators: [{clusterDecisionResource: {configMapRef: x}}]\n" + tmpl,
			appset.NoteNotRendered, "spec.generators[0].clusterDecisionResource", "clusterDecisionResource"},
		{"a plugin in a matrix is not rendered", "  generators: [{matrix: {generators: [{list: {elements: [{name: a}]}}, {plugin: {configMapRef: {name: p}}}]}}]\n" + tmpl,
			appset.NoteNotRendered, "spec.generators[0].matrix.generators[1].plugin", "plugin"},
		{"list values that are not strings fail without goTemplate", "  generators: [{list: {elements: [{name: 1}]}}]\n" + tmpl,
			appset.NoteFailed, "spec.generators[0].list.elements[0].name", "must be strings"},
		{"a bad selector fails", "  generators: [{list: {elements: [{name: a}]}, selector: {matchExpressions: [{key: name, operator: Near}]}}]\n" + tmpl,
			appset.NoteFailed, "spec.generators[0].selector", "not a valid pod selector operator"},
		{"a templatePatch that is not YAML fails", "  generators: [{list: {elements: [{name: a}]}}]\n  templatePatch: 'hello: [world'\n" + tmpl,
			appset.NoteFailed, "spec.templatePatch", "templatePatch"},
	}
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "apps", "shop"), 0o755))
	opts := appset.Options{RepoRoot: root, RepoURL: "https://github.com/example/shop.git", Profile: argocdmanaged.DefaultProfile(), Revisions: []string{"main"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := appset.Generate(context.Background(), appSetFrom(t, tt.spec), opts)
			require.NoError(t, err)
			var found bool
			for _, n := range res.Notes {
				if n.Kind == tt.kind && n.Generator == tt.generator && strings.Contains(n.Message, tt.message) {
					found = true
				}
			}
			assert.True(t, found, "want a %s note at %s with %q, got %+v", tt.kind, tt.generator, tt.message, res.Notes)
		})
	}
}

func TestGenerateOriginsNameTheTemplate(t *testing.T) {
	res, err := appset.Generate(context.Background(), appSetFrom(t, `
  generators:
  - list: {elements: [{env: a}]}
  - list:
      elements: [{env: b}]
      template: {metadata: {name: 'over-{{env}}'}, spec: {}}
  template:
    metadata: {name: 'base-{{env}}'}
    spec: {project: default, destination: {server: https://kubernetes.default.svc, namespace: shop}}
`), appset.Options{Profile: argocdmanaged.DefaultProfile()})
	require.NoError(t, err)
	require.Len(t, res.Origins, 2)
	assert.Equal(t, appset.Origin{Generator: "spec.generators[0]", Template: "spec.template", Params: map[string]any{"env": "a"}}, res.Origins[0])
	assert.Equal(t, "spec.generators[1].list.template", res.Origins[1].Template)
	assert.Equal(t, "over-b", res.Applications[1]["metadata"].(map[string]any)["name"])
	assert.Equal(t, "argocd-system", res.Applications[1]["metadata"].(map[string]any)["namespace"])
}

func TestGenerateReadsRevisionFromGitHead(t *testing.T) {
	root := gitRepo(t, "testdata/repo", ".")
	spec := "  generators: [{git: {repoURL: 'https://github.com/ck8sargo/appset-fixture', revision: main, directories: [{path: 'apps/*'}]}}]\n" +
		"  template:\n    metadata: {name: '{{path.basenameNormalized}}'}\n    spec: {project: default}\n"
	res, err := appset.Generate(context.Background(), appSetFrom(t, spec), appset.Options{RepoRoot: root, RepoURL: fixtureRepoURL, Profile: argocdmanaged.DefaultProfile()})
	require.NoError(t, err)
	assert.Empty(t, res.Notes)
	assert.Len(t, res.Applications, 4)
}

func TestGenerateRefusesFilesLinkingOutside(t *testing.T) {
	root := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret.json")
	require.NoError(t, os.WriteFile(secret, []byte(`{"password": "hunter2"}`), 0o600))
	require.NoError(t, os.Symlink(secret, filepath.Join(root, "config.json")))
	spec := "  generators: [{git: {repoURL: 'https://github.com/example/shop.git', revision: HEAD, files: [{path: '*.json'}]}}]\n" +
		"  template:\n    metadata: {name: 'x-{{password}}'}\n    spec: {project: default}\n"
	res, err := appset.Generate(context.Background(), appSetFrom(t, spec), appset.Options{RepoRoot: root, RepoURL: "https://github.com/example/shop.git", Profile: argocdmanaged.DefaultProfile()})
	require.NoError(t, err)
	assert.Empty(t, res.Applications)
	require.Len(t, res.Notes, 1)
	assert.Contains(t, res.Notes[0].Message, "links outside the repository")
	assert.NotContains(t, res.Notes[0].Message, "hunter2")
}

func TestGenerateStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := appset.Generate(ctx, appSetFrom(t, "  generators: [{list: {elements: [{a: b}]}}]\n"), appset.Options{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestANoteOnAnotherRepositoryNamesIt(t *testing.T) {
	set := map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "metadata": map[string]any{"name": "s"},
		"spec": map[string]any{
			"generators": []any{map[string]any{"git": map[string]any{"repoURL": "https://github.com/example/other.git", "revision": "HEAD", "directories": []any{map[string]any{"path": "*"}}}}},
			"template":   map[string]any{"metadata": map[string]any{"name": "{{path.basename}}"}, "spec": map[string]any{"project": "default"}},
		},
	}
	for _, tt := range []struct {
		name    string
		repoURL string
		want    string
	}{
		{"another repository", "https://github.com/example/deploy.git", "https://github.com/example/other.git"},
		{"no repository given", "", "https://github.com/example/other.git"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := appset.Generate(context.Background(), set, appset.Options{RepoURL: tt.repoURL})
			require.NoError(t, err)
			require.Len(t, res.Notes, 1)
			assert.Equal(t, appset.NoteNotRendered, res.Notes[0].Kind)
			assert.Equal(t, tt.want, res.Notes[0].OtherRepository)
		})
	}
	set["spec"].(map[string]any)["generators"] = []any{map[string]any{"plugin": map[string]any{"configMapRef": map[string]any{"name": "p"}}}}
	res, err := appset.Generate(context.Background(), set, appset.Options{})
	require.NoError(t, err)
	require.Len(t, res.Notes, 1)
	assert.Equal(t, appset.NoteNotRendered, res.Notes[0].Kind)
	assert.Empty(t, res.Notes[0].OtherRepository, "a generator that needs a server is not about a repository")
}
