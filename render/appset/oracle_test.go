package appset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/render/appset"
)

const (
	fixtureRepoURL  = "https://github.com/ck8sargo/appset-fixture.git"
	upstreamRepoURL = "https://github.com/argoproj/argo-cd.git"
)

// corpusCase is one ApplicationSet of the differential corpus and the checkout it reads.
type corpusCase struct {
	name    string
	doc     map[string]any
	repoDir string
	repoURL string
}

type oracleRequest struct {
	Name          string            `json:"name"`
	AppSet        string            `json:"appSet"`
	RepoDir       string            `json:"repoDir"`
	Namespace     string            `json:"namespace"`
	ClusterName   string            `json:"clusterName"`
	ClusterServer string            `json:"clusterServer"`
	ClusterLabels map[string]string `json:"clusterLabels"`
}

type oracleAnswer struct {
	Name         string            `json:"name"`
	Applications []json.RawMessage `json:"applications"`
	Error        string            `json:"error"`
}

// gitRepo copies src into a new git work tree with everything committed, at sub inside it.
func gitRepo(t testing.TB, src, sub string) string {
	t.Helper()
	dir := t.TempDir()
	dst := filepath.Join(dir, filepath.FromSlash(sub))
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "fixture"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	return dir
}

// yamlDocs splits a file into the ApplicationSets it holds.
func yamlDocs(b []byte) []map[string]any {
	var out []map[string]any
	for _, part := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(part), &m); err != nil || m == nil {
			continue
		}
		if m["kind"] == "ApplicationSet" {
			out = append(out, m)
		}
	}
	return out
}

var yamlBlock = regexp.MustCompile("(?s)```ya?ml\n(.*?)```")

// corpus is the project's own cases over testdata/repo, the upstream examples over a
// checkout of them at their place in the Argo CD repository, and the ApplicationSets of the
// upstream ApplicationSet docs.
func corpus(t *testing.T) []corpusCase {
	t.Helper()
	var cases []corpusCase
	fixture := gitRepo(t, "testdata/repo", ".")
	own, err := filepath.Glob("testdata/cases/*.yaml")
	require.NoError(t, err)
	for _, f := range own {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, d := range yamlDocs(b) {
			cases = append(cases, corpusCase{name: filepath.Base(f) + "#" + itoa(i), doc: d, repoDir: fixture, repoURL: fixtureRepoURL})
		}
	}
	mod, err := testenv.ModuleDir(context.Background(), testenv.ArgoCDModule)
	require.NoError(t, err)
	upstream := gitRepo(t, filepath.Join(mod, "applicationset", "examples"), "applicationset/examples")
	eachFile(t, filepath.Join(mod, "applicationset", "examples"), ".yaml", mod, func(rel string, b []byte) {
		for i, d := range yamlDocs(b) {
			cases = append(cases, corpusCase{name: rel + "#" + itoa(i), doc: d, repoDir: upstream, repoURL: upstreamRepoURL})
		}
	})
	eachFile(t, filepath.Join(mod, "docs", "operator-manual", "applicationset"), ".md", mod, func(rel string, b []byte) {
		n := 0
		for _, m := range yamlBlock.FindAllSubmatch(b, -1) {
			for _, d := range yamlDocs(m[1]) {
				cases = append(cases, corpusCase{name: rel + "#" + itoa(n), doc: d, repoDir: upstream, repoURL: upstreamRepoURL})
				n++
			}
		}
	})
	return cases
}

// eachFile calls fn with every file below dir whose name ends in ext: its path relative to
// base, and its content.
func eachFile(t *testing.T, dir, ext, base string, fn func(rel string, b []byte)) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ext) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		fn(rel, b)
		return nil
	}))
}

func itoa(i int) string { return strconv.Itoa(i) }

// normalize makes Argo CD's typed Application and the project's map comparable: status and
// creationTimestamp dropped, empty values (null, "", false, {}, []) dropped as the typed
// object's omitempty drops them, numbers as JSON numbers.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			n := normalize(e)
			if n == nil {
				continue
			}
			out[k] = n
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	case string:
		if t == "" {
			return nil
		}
		return t
	case bool:
		if !t {
			return nil
		}
		return t
	}
	return v
}

func asJSON(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

var offlineGenerator = regexp.MustCompile(`(?m)^\s*-?\s*(scmProvider|pullRequest|clusterDecisionResource|plugin):`)

// TestGenerateMatchesArgoCD runs every ApplicationSet of the corpus through Argo CD's own
// ApplicationSet controller code (tools/appset-oracle) and through Generate, and requires
// the same Applications, and a failed note exactly where Argo CD fails.
func TestGenerateMatchesArgoCD(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the appset-oracle peer binary (make test-bin)")
	}
	bin := filepath.Join(testenv.BinDir(), "appset-oracle")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("appset-oracle not found in %s: run `make test-bin` (tools/appset-oracle/build.sh)", testenv.BinDir())
	}
	profile := argocdmanaged.DefaultProfile()
	cases := corpus(t)
	var reqs []oracleRequest
	var compared []corpusCase
	for _, c := range cases {
		md, _ := c.doc["metadata"].(map[string]any)
		if md == nil {
			md = map[string]any{}
			c.doc["metadata"] = md
		}
		md["namespace"] = profile.ArgoCD.Namespace
		b, err := json.Marshal(c.doc)
		require.NoError(t, err)
		if offlineGenerator.Match(mustYAML(t, c.doc)) {
			res, err := appset.Generate(context.Background(), c.doc, appset.Options{RepoRoot: c.repoDir, RepoURL: c.repoURL, Profile: profile})
			require.NoError(t, err)
			assert.True(t, hasNote(res, appset.NoteNotRendered), "%s: a generator that needs a server gives a not-rendered note", c.name)
			continue
		}
		reqs = append(reqs, oracleRequest{Name: c.name, AppSet: string(b), RepoDir: c.repoDir, Namespace: profile.ArgoCD.Namespace,
			ClusterName: profile.ArgoCD.ServerName, ClusterServer: profile.ArgoCD.Server,
			ClusterLabels: map[string]string{argocdmanaged.SecretTypeLabel: argocdmanaged.SecretTypeCluster}})
		compared = append(compared, c)
	}
	in, err := json.Marshal(map[string]any{"cases": reqs})
	require.NoError(t, err)
	cmd := exec.Command(bin)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var answers []oracleAnswer
	require.NoError(t, json.Unmarshal(out, &answers))
	require.Len(t, answers, len(compared))

	apps, diffs, errs, notRendered := 0, 0, 0, 0
	for i, c := range compared {
		a := answers[i]
		if strings.HasPrefix(a.Error, "decoding ApplicationSet") {
			t.Logf("%s: not an ApplicationSet Argo CD accepts, left out: %s", c.name, a.Error)
			continue
		}
		res, err := appset.Generate(context.Background(), c.doc, appset.Options{RepoRoot: c.repoDir, RepoURL: c.repoURL, Profile: profile})
		require.NoError(t, err)
		if hasNote(res, appset.NoteNotRendered) {
			// Argo CD would read another repository or ask a server: nothing to compare.
			notRendered++
			continue
		}
		if strings.Contains(a.Error, "error getting project") {
			// The git generator looks its AppProject up; a project named by a template, or
			// none, is not found by the oracle, which only knows the literal one.
			t.Logf("%s: left out, the oracle has no AppProject for it: %s", c.name, a.Error)
			continue
		}
		var want []any
		seen := map[string]bool{}
		for _, raw := range a.Applications {
			var app map[string]any
			require.NoError(t, json.Unmarshal(raw, &app))
			name, _ := app["metadata"].(map[string]any)["name"].(string)
			if seen[name] {
				continue // Argo CD refuses duplicates when it validates; Generate keeps the first.
			}
			seen[name] = true
			// GenerateApplications leaves the type to the client that creates the Application.
			app["apiVersion"], app["kind"] = "argoproj.io/v1alpha1", "Application"
			want = append(want, normalize(app))
		}
		got := []any{}
		for _, app := range res.Applications {
			got = append(got, normalize(asJSON(t, app)))
		}
		if want == nil {
			want = []any{}
		}
		if strings.Contains(string(mustYAML(t, c.doc)), "merge:") {
			// The merge generator returns its parameter sets in Go map order.
			sortByName(want)
			sortByName(got)
		}
		apps += len(want)
		if !assert.Equal(t, want, got, "%s: the Applications Argo CD generates", c.name) {
			diffs++
		}
		failed := hasNote(res, appset.NoteFailed) && !onlyDuplicateNotes(res)
		if a.Error != "" {
			errs++
		}
		if !assert.Equal(t, a.Error != "", failed, "%s: Argo CD's error %q, notes %v", c.name, a.Error, res.Notes) {
			diffs++
		}
	}
	t.Logf("%d ApplicationSets through Argo CD, %d of them not rendered offline; %d Applications and %d errors compared, %d differences",
		len(compared), notRendered, apps, errs, diffs)
}

func mustYAML(t *testing.T, v any) []byte {
	b, err := yaml.Marshal(v)
	require.NoError(t, err)
	return b
}

func hasNote(res appset.Result, kind appset.NoteKind) bool {
	for _, n := range res.Notes {
		if n.Kind == kind {
			return true
		}
	}
	return false
}

func onlyDuplicateNotes(res appset.Result) bool {
	for _, n := range res.Notes {
		if n.Kind == appset.NoteFailed && !strings.Contains(n.Message, "duplicate name") {
			return false
		}
	}
	return true
}

func sortByName(apps []any) {
	name := func(a any) string {
		m, _ := a.(map[string]any)
		md, _ := m["metadata"].(map[string]any)
		s, _ := md["name"].(string)
		return s
	}
	sort.SliceStable(apps, func(i, j int) bool { return name(apps[i]) < name(apps[j]) })
}
