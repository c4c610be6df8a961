package diff_test

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/diff"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func obj(t testing.TB, text string) render.Object {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(text), &m))
	return render.Object{Content: m, File: "templates/" + strings.ToLower(m["kind"].(string)) + ".yaml", RenderedBy: render.KindHelm}
}

func app(name, file string, objs ...render.Object) render.Application {
	return render.Application{
		Name: name, Namespace: "argocd-system", File: file, Line: 1,
		Manifest: map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
			"metadata": map[string]any{"name": name, "namespace": "argocd-system"},
			"spec":     map[string]any{"destination": map[string]any{"namespace": "shop"}}},
		Objects: objs,
	}
}

const (
	cm1     = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {color: blue, size: large}\n"
	cm2     = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {color: green, size: large}\n"
	deploy1 = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 1}\n"
	deploy2 = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 3}\n"
	svc     = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n"
	role    = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: shop}\nrules: []\n"
)

// Markers planted as Secret values: none may appear in any output.
const (
	markerOld     = "PLANTED-OLD-VALUE-1f3a"
	markerNew     = "PLANTED-NEW-VALUE-9c2e"
	markerKept    = "PLANTED-KEPT-VALUE-77aa"
	markerGone    = "PLANTED-GONE-VALUE-4d4d"
	markerAdded   = "PLANTED-ADDED-VALUE-e0e0"
	markerApplied = "PLANTED-APPLIED-VALUE-5b5b"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func secretBase(t testing.TB) render.Object {
	return obj(t, fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{"data":"%s"}'}
data: {password: %s, user: %s, legacy: %s}
`, markerApplied, b64(markerOld), b64(markerKept), b64(markerGone)))
}

func secretHead(t testing.TB) render.Object {
	return obj(t, fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: {password: %s, user: %s}
stringData: {token: %s}
`, b64(markerNew), b64(markerKept), markerAdded))
}

// results is a base and a head with every kind of change: an Application added, one
// removed, one changed (a resource added, one removed, two changed, a Secret), one unchanged.
func results(t testing.TB) (*render.Result, *render.Result) {
	base := &render.Result{Applications: []render.Application{
		app("shop", "apps/shop.yaml", obj(t, cm1), obj(t, deploy1), obj(t, role), secretBase(t)),
		app("old", "apps/old.yaml", obj(t, svc)),
		app("same", "apps/same.yaml", obj(t, cm1)),
	}}
	head := &render.Result{Applications: []render.Application{
		app("new", "apps/new.yaml", obj(t, deploy1)),
		app("same", "apps/same.yaml", obj(t, cm1)),
		app("shop", "apps/shop.yaml", obj(t, cm2), obj(t, deploy2), obj(t, svc), secretHead(t)),
	}}
	head.Applications[2].Notes = []render.Note{{Kind: render.NoteNotRendered, Source: "plugin kasane", File: "apps/shop.yaml", Line: 1,
		Message: "config management plugin sources are not rendered"}}
	head.Notes = []render.Note{{Kind: render.NoteRenderFailed, Application: "argocd-system/broken", Source: "charts/broken",
		File: "charts/broken/templates/x.yaml", Message: "parse error at line 3"}}
	return base, head
}

type change struct {
	app, change, resource string
}

func changesOf(rep diff.Report) []change {
	var out []change
	for _, a := range rep.Applications {
		out = append(out, change{a.Key(), string(a.Change), ""})
		for _, r := range a.Resources {
			out = append(out, change{a.Key(), string(r.Change), r.ResourceID.String()})
		}
	}
	return out
}

func TestCompareFindsAddedRemovedAndChangedResources(t *testing.T) {
	base, head := results(t)
	rep := diff.Compare(base, head, diff.DefaultOptions())
	assert.Equal(t, []change{
		{"argocd-system/new", "added", ""},
		{"argocd-system/new", "added", "apps/Deployment shop/web"},
		{"argocd-system/old", "removed", ""},
		{"argocd-system/old", "removed", "Service shop/web"},
		{"argocd-system/shop", "changed", ""},
		{"argocd-system/shop", "changed", "ConfigMap shop/settings"},
		{"argocd-system/shop", "changed", "Secret shop/db"},
		{"argocd-system/shop", "added", "Service shop/web"},
		{"argocd-system/shop", "changed", "apps/Deployment shop/web"},
		{"argocd-system/shop", "removed", "rbac.authorization.k8s.io/Role shop/reader"},
	}, changesOf(rep))
	assert.Equal(t, diff.Summary{Applications: 4, ApplicationsChanged: 3, Added: 2, Removed: 2, Changed: 3, RenderFailed: 1}, rep.Summary)
	assert.True(t, rep.HasChanges())

	shop := rep.Applications[2]
	assert.Equal(t, "--- base/core/ConfigMap/shop/settings\n+++ head/core/ConfigMap/shop/settings\n"+
		"@@ -1,6 +1,6 @@\n apiVersion: v1\n data:\n-  color: blue\n+  color: green\n   size: large\n kind: ConfigMap\n metadata:\n",
		shop.Resources[0].Diff)
	assert.Empty(t, shop.ManifestDiff, "the Application manifest did not change")
	assert.Equal(t, &diff.SecretKeys{Added: []string{"token"}, Removed: []string{"legacy"}, Changed: []string{"password"}},
		shop.Resources[1].SecretKeys)
	assert.Contains(t, shop.Resources[1].Diff, "-  password: ++++++++\n+  password: ++++++++ (changed)\n")
	assert.Contains(t, shop.Resources[1].Diff, "   user: ++++++++\n", "an unchanged key is context")
	assert.True(t, strings.HasPrefix(rep.Applications[0].Resources[0].Diff, "--- /dev/null\n+++ head/apps/Deployment/shop/web\n"))

	require.Len(t, rep.Notes, 2, "the head's render failure and its new not-rendered note")
	assert.Equal(t, render.NoteRenderFailed, rep.Notes[0].Kind)
	assert.Equal(t, "argocd-system/shop", rep.Notes[1].Application, "an Application's note names it")
}

func TestCompareOfEqualResultsHasNoChange(t *testing.T) {
	base, _ := results(t)
	again, _ := results(t)
	rep := diff.Compare(base, again, diff.DefaultOptions())
	assert.False(t, rep.HasChanges())
	assert.Empty(t, rep.Applications)
	assert.Equal(t, 3, rep.Summary.Applications)

	empty := diff.Compare(nil, nil, diff.Options{})
	assert.False(t, empty.HasChanges())
	assert.Equal(t, "base", empty.Base, "empty labels take the defaults")
}

func TestCompareShowsAChangedApplicationManifest(t *testing.T) {
	base := &render.Result{Applications: []render.Application{app("shop", "apps/shop.yaml", obj(t, cm1))}}
	head := &render.Result{Applications: []render.Application{app("shop", "apps/shop.yaml", obj(t, cm1))}}
	head.Applications[0].Manifest["spec"] = map[string]any{"destination": map[string]any{"namespace": "shop-staging"}}
	rep := diff.Compare(base, head, diff.DefaultOptions())
	require.Len(t, rep.Applications, 1)
	assert.Contains(t, rep.Applications[0].ManifestDiff, "-    namespace: shop\n+    namespace: shop-staging\n")
	assert.Empty(t, rep.Applications[0].Resources)
}

func TestCompareKeepsOldNotRenderedNotesOut(t *testing.T) {
	note := render.Note{Kind: render.NoteNotRendered, Application: "argocd-system/a", Source: "plugin", Message: "not rendered"}
	fail := render.Note{Kind: render.NoteRenderFailed, Application: "argocd-system/a", Source: "chart", Message: "broken"}
	base := &render.Result{Notes: []render.Note{note, fail}}
	head := &render.Result{Notes: []render.Note{note, fail}}
	rep := diff.Compare(base, head, diff.DefaultOptions())
	assert.Equal(t, []render.Note{fail}, rep.Notes, "a render failure is always shown, an old not-rendered note is not")
}

// Secret values never appear in any format, in the report or its diffs.
func TestSecretValuesNeverAppearInAnyOutput(t *testing.T) {
	base, head := results(t)
	rep := diff.Compare(base, head, diff.DefaultOptions())
	// An added and a removed Secret too.
	rep2 := diff.Compare(&render.Result{Applications: []render.Application{app("x", "x.yaml", secretBase(t))}},
		&render.Result{Applications: []render.Application{app("y", "y.yaml", secretHead(t))}}, diff.DefaultOptions())
	for _, r := range []diff.Report{rep, rep2} {
		for _, format := range diff.Formats {
			var buf bytes.Buffer
			require.NoError(t, diff.Write(&buf, format, r, diff.WriteOptions{}))
			out := buf.String()
			for _, m := range []string{markerOld, markerNew, markerKept, markerGone, markerAdded, markerApplied} {
				assert.False(t, strings.Contains(out, m), "%s shows %s", format, m)
				assert.False(t, strings.Contains(out, b64(m)), "%s shows %s in base64", format, m)
			}
			assert.True(t, strings.Contains(out, diff.Redacted) || strings.Contains(out, "&#43;&#43;&#43;&#43;&#43;&#43;&#43;&#43;"),
				"%s shows the redacted values", format)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./render/diff -update to write the golden files")
	assert.Equal(t, string(want), string(got))
}

func TestWriteMatchesGoldenFiles(t *testing.T) {
	base, head := results(t)
	rep := diff.Compare(base, head, diff.Options{Context: 3, BaseLabel: "origin/main", HeadLabel: "working tree"})
	rep.Findings = []policy.Finding{{Rule: "no-load-balancer", Severity: policy.SeverityWarning, Message: "Service web is of type LoadBalancer",
		File: "charts/shop/templates/service.yaml", Line: 4, Application: "shop",
		Object: policy.ObjectRef{APIVersion: "v1", Kind: "Service", Namespace: "shop", Name: "web"}}}
	ext := map[string]string{"text": "txt", "markdown": "md", "html": "html", "json": "json"}
	for _, format := range diff.Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, diff.Write(&buf, format, rep, diff.WriteOptions{}))
			golden(t, "report."+ext[format], buf.Bytes())
		})
	}
	t.Run("no change", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, diff.Write(&buf, "markdown", diff.Compare(base, base, diff.DefaultOptions()), diff.WriteOptions{}))
		golden(t, "nochange.md", buf.Bytes())
	})
}

func TestWriteRejectsAnUnknownFormat(t *testing.T) {
	err := diff.Write(&bytes.Buffer{}, "xml", diff.Report{}, diff.WriteOptions{})
	require.ErrorContains(t, err, `unknown diff format "xml"`)
	assert.False(t, diff.ValidFormat("xml"))
	assert.True(t, diff.ValidFormat("markdown"))
}

// bigResults are n Applications of k ConfigMaps each, every value changed in head.
func bigResults(t testing.TB, n, k, lines int) (*render.Result, *render.Result) {
	mk := func(v string) *render.Result {
		r := &render.Result{}
		for i := range n {
			var objs []render.Object
			for j := range k {
				data := map[string]any{}
				for l := range lines {
					data[fmt.Sprintf("key%03d", l)] = fmt.Sprintf("%s-%d-%d-%d", v, i, j, l%7)
				}
				objs = append(objs, render.Object{Content: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
					"metadata": map[string]any{"name": fmt.Sprintf("cm-%d", j), "namespace": "shop"}, "data": data}})
			}
			r.Applications = append(r.Applications, app(fmt.Sprintf("app-%03d", i), fmt.Sprintf("apps/app-%03d.yaml", i), objs...))
		}
		return r
	}
	return mk("base"), mk("head")
}

func TestMarkdownIsTruncatedWithANoticePastTheLimit(t *testing.T) {
	base, head := bigResults(t, 40, 3, 40)
	rep := diff.Compare(base, head, diff.DefaultOptions())
	for _, limit := range []int{0, 20000, 3000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, diff.Write(&buf, "markdown", rep, diff.WriteOptions{MarkdownLimit: limit}))
			max := limit
			if max == 0 {
				max = diff.DefaultMarkdownLimit
			}
			out := buf.String()
			assert.LessOrEqual(t, len(out), max)
			assert.Contains(t, out, "Truncated")
			assert.True(t, strings.HasPrefix(out, "### ck8sargo diff\n\n**40 of 40 Applications changed"), "the summary comes first")
			assert.Equal(t, strings.Count(out, "<details>"), strings.Count(out, "</details>"), "no section is cut in half")
		})
	}
	var small bytes.Buffer
	base, head = bigResults(t, 2, 1, 3)
	require.NoError(t, diff.Write(&small, "markdown", diff.Compare(base, head, diff.DefaultOptions()), diff.WriteOptions{}))
	assert.NotContains(t, small.String(), "Truncated")
	assert.Equal(t, 2, strings.Count(small.String(), "<details>"))
}

func TestMarkdownFencesOutlastBackticksInTheDiff(t *testing.T) {
	b := &render.Result{Applications: []render.Application{app("a", "a.yaml", obj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {x: 'one'}\n"))}}
	h := &render.Result{Applications: []render.Application{app("a", "a.yaml", obj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {x: '```` <script>'}\n"))}}
	var buf bytes.Buffer
	require.NoError(t, diff.Write(&buf, "markdown", diff.Compare(b, h, diff.DefaultOptions()), diff.WriteOptions{}))
	assert.Contains(t, buf.String(), "`````diff\n")
	var page bytes.Buffer
	require.NoError(t, diff.Write(&page, "html", diff.Compare(b, h, diff.DefaultOptions()), diff.WriteOptions{}))
	assert.NotContains(t, page.String(), "<script>")
	assert.Contains(t, page.String(), "&lt;script&gt;")
}

func BenchmarkCompare(b *testing.B) {
	base, head := bigResults(b, 200, 5, 20)
	// Half the Applications unchanged, as in a typical pull request.
	for i := 0; i < len(head.Applications); i += 2 {
		head.Applications[i] = base.Applications[i]
	}
	b.ResetTimer()
	for b.Loop() {
		rep := diff.Compare(base, head, diff.DefaultOptions())
		if rep.Summary.ApplicationsChanged != 100 {
			b.Fatalf("changed %d", rep.Summary.ApplicationsChanged)
		}
	}
}
