package appset_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/render/appset"
)

// FuzzGenerate feeds ApplicationSets (the corpus cases and mutations of them) to Generate
// over the fixture repository: it must never panic, and bad input must end as notes.
func FuzzGenerate(f *testing.F) {
	cases, _ := filepath.Glob("testdata/cases/*.yaml")
	for _, c := range cases {
		b, err := os.ReadFile(c)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("spec: {goTemplate: true, generators: [{list: {elements: [{a: '{{'}]}}], template: {metadata: {name: '{{ .a | x }}'}}}"))
	f.Add([]byte("spec: {templatePatch: '{{', generators: [{matrix: {generators: [{list: {elementsYaml: '- a: 1'}}, {list: {elements: [{b: '{{a}}'}]}}]}}]}"))
	f.Add([]byte("spec: {generators: [{git: {repoURL: https://github.com/ck8sargo/appset-fixture.git, files: [{path: '[!a-'}], directories: []}}]}"))
	opts := appset.Options{RepoRoot: "testdata/repo", RepoURL: "https://github.com/ck8sargo/appset-fixture.git", Profile: argocdmanaged.DefaultProfile(), Revisions: []string{}}
	f.Fuzz(func(t *testing.T, b []byte) {
		var doc map[string]any
		if yaml.Unmarshal(b, &doc) != nil || doc == nil {
			return
		}
		res, err := appset.Generate(context.Background(), doc, opts)
		if err != nil {
			t.Fatalf("Generate returned an error without a cancelled context: %v", err)
		}
		if len(res.Origins) != len(res.Applications) {
			t.Fatalf("%d origins for %d Applications", len(res.Origins), len(res.Applications))
		}
	})
}
