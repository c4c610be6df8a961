package policy_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

// writeFiles writes files (path: content) into a new directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	fixture.WriteFiles(t, dir, files)
	return dir
}

func options(dir string) policy.Options {
	opts := policy.DefaultOptions()
	opts.Rules = rules.Builtin()
	opts.Profile.Namespaces.Managed = []string{"shop"}
	opts.BaseDir = dir
	return opts
}

func check(t *testing.T, dir string, opts policy.Options, paths ...string) (policy.Report, error) {
	t.Helper()
	if len(paths) == 0 {
		paths = []string{dir}
	}
	return policy.Check(context.Background(), policy.Inputs{Paths: paths}, opts)
}

func rulesOf(rep policy.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.File+":"+itoa(f.Line)+" "+f.Rule)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func fmtInt(i int) string { return strconv.Itoa(i) }

const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\ndata: {k: v}\n"

func TestEveryObjectKeepsItsFileAndTheLineItsDocumentStartsOn(t *testing.T) {
	dir := writeFiles(t, map[string]string{"multi.yaml": "# comment\n\n" + cm + "---\n# second\n" +
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n--- \napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"})
	rep, err := check(t, dir, options(dir))
	require.NoError(t, err)
	assert.Equal(t, []string{"multi.yaml:9 no-namespace-resource", "multi.yaml:14 no-namespace-resource"}, rulesOf(rep))
	assert.Equal(t, 3, rep.Summary.Objects)
	assert.Equal(t, 1, rep.Summary.Files)
}

func TestListsAreUnpacked(t *testing.T) {
	dir := writeFiles(t, map[string]string{"list.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b, namespace: shop}\n"})
	rep, err := check(t, dir, options(dir))
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Summary.Objects)
	assert.Equal(t, []string{"list.yaml:1 no-namespace-resource"}, rulesOf(rep))
}

func TestBadInputIsReportedWithFileAndLineAndTheRestIsStillChecked(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a-invalid.yaml":   cm + "---\nfoo: [\n",
		"b-scalar.yaml":    "just a string\n",
		"c-object.json":    `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "from-json"}}`,
		"d-binary.yaml":    "\x00\x01\x02binary",
		"e-no-kind.yaml":   "apiVersion: v1\nmetadata: {name: x}\n",
		"f-namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: still-checked}\n",
	})
	big := filepath.Join(dir, "g-big.yaml")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("# padding line\n"), 50<<20/15), 0o644))
	require.NoError(t, os.Symlink("loop-b.yaml", filepath.Join(dir, "loop-a.yaml")))
	require.NoError(t, os.Symlink("loop-a.yaml", filepath.Join(dir, "loop-b.yaml")))

	rep, err := check(t, dir, options(dir))
	require.Error(t, err, "the symlink loop cannot be read")
	var fe *policy.FileError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, err.Error(), "loop-a.yaml")
	assert.Contains(t, err.Error(), "loop-b.yaml")

	assert.Equal(t, []string{
		"a-invalid.yaml:6 invalid-manifest",
		"c-object.json:1 no-namespace-resource",
		"d-binary.yaml:0 invalid-manifest",
		"e-no-kind.yaml:1 invalid-manifest",
		"f-namespace.yaml:1 no-namespace-resource",
		"g-big.yaml:0 invalid-manifest",
	}, rulesOf(rep))
	msgs := map[string]string{}
	for _, f := range rep.Findings {
		msgs[f.File] = f.Message
	}
	assert.Contains(t, msgs["a-invalid.yaml"], "invalid YAML")
	assert.NotContains(t, msgs, "b-scalar.yaml", "a string claims to be no object: it is skipped")
	assert.Contains(t, msgs["d-binary.yaml"], "not a text file")
	assert.Contains(t, msgs["e-no-kind.yaml"], "no kind")
	assert.Contains(t, msgs["g-big.yaml"], "50.0 MiB, more than the 16.0 MiB limit")
}

func TestAFileThatCannotBeReadIsAnErrorNamingIt(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ok.yaml": cm, "secret.yaml": cm})
	require.NoError(t, os.Symlink("missing.yaml", filepath.Join(dir, "dangling.yaml")))
	if os.Geteuid() != 0 { // root reads anything; the dangling link covers that case
		require.NoError(t, os.Chmod(filepath.Join(dir, "secret.yaml"), 0))
	}
	rep, err := check(t, dir, options(dir))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reading dangling.yaml: no such file or directory")
	if os.Geteuid() != 0 {
		assert.Contains(t, err.Error(), "reading secret.yaml: permission denied")
	}
	assert.Positive(t, rep.Summary.Objects, "the readable files are still checked")

	_, err = check(t, dir, options(dir), filepath.Join(dir, "nope.yaml"))
	assert.ErrorContains(t, err, "nope.yaml: no such file or directory")
}

func TestStdinIsReadForDash(t *testing.T) {
	opts := options(t.TempDir())
	rep, err := policy.Check(context.Background(), policy.Inputs{Paths: []string{"-"}, Stdin: strings.NewReader(cm + "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")}, opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"<stdin>:6 no-namespace-resource"}, rulesOf(rep))
}

func TestReportOrderDoesNotDependOnTheNumberOfWorkers(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 60; i++ {
		files[filepath.Join("d"+fmtInt(i%7), "f"+fmtInt(i)+".yaml")] = "apiVersion: v1\nkind: Namespace\nmetadata: {name: n" + fmtInt(i) + "}\n---\n" + cm
	}
	dir := writeFiles(t, files)
	one := options(dir)
	one.Workers = 1
	many := options(dir)
	many.Workers = 8
	a, err := check(t, dir, one)
	require.NoError(t, err)
	b, err := check(t, dir, many)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Len(t, a.Findings, 60)
}

func TestIgnoreAnnotationSuppressesButKeepsTheFinding(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  annotations:\n    ck8sargo.io/ignore: \"no-namespace-resource, other\"\n    ck8sargo.io/ignore-reason: created by the platform team\n"})
	rep, err := check(t, dir, options(dir))
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	f := rep.Findings[0]
	assert.True(t, f.Suppressed)
	assert.Equal(t, "created by the platform team", f.SuppressReason)
	assert.Equal(t, 0, rep.Summary.Errors)
	assert.Equal(t, 1, rep.Summary.Suppressed)
	assert.False(t, rep.Fails(policy.SeverityInfo))
}

func TestProfilePolicyDisablesRulesChangesSeveritiesAndIgnoresPaths(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"apps/ns.yaml":        "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
		"apps/svc.yaml":       "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec: {type: LoadBalancer}\n",
		"vendor/lib/bad.yaml": "foo: [\n",
		"apps/x.tmpl.yaml":    "foo: [\n",
	})
	opts := options(dir)
	opts.Profile.Policy = argocdmanaged.PolicySettings{
		Disable:     []string{"no-namespace-resource"},
		Severity:    map[string]string{"no-load-balancer": "error"},
		IgnorePaths: []string{"vendor/**", "*.tmpl.yaml"},
	}
	rep, err := check(t, dir, opts)
	require.NoError(t, err)
	require.Equal(t, []string{"apps/svc.yaml:4 no-load-balancer"}, rulesOf(rep))
	assert.Equal(t, policy.SeverityError, rep.Findings[0].Severity)

	opts.Profile.Policy.Disable = []string{"no-such-rule"}
	_, err = check(t, dir, opts)
	assert.ErrorContains(t, err, `policy.disable: unknown rule "no-such-rule"`)
	opts.Profile.Policy.Disable = nil
	opts.Profile.Policy.Severity = map[string]string{"no-load-balancer": "fatal"}
	_, err = check(t, dir, opts)
	assert.ErrorContains(t, err, "is not error, warning or info")
}

func TestCheckNeedsRules(t *testing.T) {
	_, err := policy.Check(context.Background(), policy.Inputs{}, policy.DefaultOptions())
	assert.ErrorContains(t, err, "rules.Builtin()")
}

func TestNormalizeRepoURLMakesTheUsualFormsEqual(t *testing.T) {
	want := "github.com/org/repo"
	for _, u := range []string{
		"https://github.com/org/repo", "https://github.com/org/repo.git", "https://GitHub.com/org/repo/",
		"git@github.com:org/repo.git", "ssh://git@github.com/org/repo.git", "ssh://git@github.com:22/org/repo",
		"https://user@github.com/org/repo.git",
	} {
		assert.Equal(t, want, policy.NormalizeRepoURL(u), u)
	}
	assert.NotEqual(t, want, policy.NormalizeRepoURL("https://github.com/org/other"))
}

func TestSourcesAreRenderedFromTheGitRepositoryOfThePaths(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		".git/config": "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@git.example.com:team/deploy.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
		"apps/shop.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd-system}
spec:
  project: shop
  source: {repoURL: https://git.example.com/team/deploy, path: manifests}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`,
		"manifests/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
	})
	rep, err := check(t, dir, options(dir), filepath.Join(dir, "apps"))
	require.NoError(t, err)
	require.Equal(t, []string{"manifests/ns.yaml:1 no-namespace-resource"}, rulesOf(rep))
	assert.Equal(t, "shop", rep.Findings[0].Application)
}

func TestWithoutARepositorySourcesAreReportedOnceAsNotRendered(t *testing.T) {
	dir := writeFiles(t, map[string]string{"shop.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd-system}
spec:
  project: shop
  sources:
  - {repoURL: https://git.example.com/team/deploy, path: a}
  - {repoURL: https://git.example.com/team/deploy, path: b}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`})
	rep, err := check(t, dir, options(dir))
	require.NoError(t, err)
	require.Equal(t, []string{"shop.yaml:1 not-rendered", "shop.yaml:1 not-rendered"}, rulesOf(rep))
	assert.Equal(t, policy.SeverityInfo, rep.Findings[0].Severity)
	assert.False(t, rep.Fails(policy.SeverityWarning))
}

func TestARuleThatPanicsIsAFindingNotACrash(t *testing.T) {
	dir := writeFiles(t, map[string]string{"cm.yaml": cm})
	opts := options(dir)
	opts.Rules = []policy.Rule{{ID: "boom", Severity: policy.SeverityWarning, Title: "t", Rationale: "r", Remediation: "m",
		Check: func(*policy.Context, *policy.Object) []policy.Violation { panic("index out of range") }}}
	rep, err := check(t, dir, opts)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Contains(t, rep.Findings[0].Message, "rule boom failed on this object: index out of range")
	assert.Equal(t, policy.SeverityError, rep.Findings[0].Severity)
}

func TestRegistryRefusesMalformedRules(t *testing.T) {
	ok := policy.Rule{ID: "a-rule", Severity: policy.SeverityError, Title: "t", Rationale: "r", Remediation: "m"}
	bad := ok
	bad.ID = "Not_Kebab"
	_, err := policy.NewRegistry(bad)
	assert.ErrorContains(t, err, "not kebab-case")
	bad = ok
	bad.Title = ""
	_, err = policy.NewRegistry(bad)
	assert.ErrorContains(t, err, "needs a title")
	_, err = policy.NewRegistry(ok, ok)
	assert.ErrorContains(t, err, "registered twice")
	reg, err := policy.NewRegistry(ok)
	require.NoError(t, err)
	r, found := reg.Lookup("a-rule")
	assert.True(t, found)
	assert.Equal(t, ok.HelpURI(), r.HelpURI())
}

func FuzzCheckStdin(f *testing.F) {
	f.Add([]byte(cm))
	f.Add([]byte("---\n--- {a: 1}\n...\nkind: List\napiVersion: v1\nitems: [1, {kind: Secret, apiVersion: v1, data: {a: b}}]\n"))
	f.Add([]byte(`{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","spec":{"sources":[{"helm":{"valueFiles":["secrets+literal://vals!ref+x"]}}]}}`))
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: [{image: 3}, null]}}}\n"))
	f.Add([]byte("a: [\n\x00"))
	opts := policy.DefaultOptions()
	opts.Rules = rules.Builtin()
	opts.NoRender = true
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := policy.Check(context.Background(), policy.Inputs{Paths: []string{"-"}, Stdin: bytes.NewReader(data)}, opts)
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("stdin input gave an error instead of findings: %v", err)
		}
		for _, fd := range rep.Findings {
			if fd.Rule == "" || fd.Message == "" {
				t.Fatalf("finding without rule or message: %+v", fd)
			}
		}
	})
}

func TestDocumentsThatAreNotObjectsAreSkippedAndObjectsMissingAFieldAreNot(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		// notifications_catalog/triggers/on-deployed.yaml of Argo CD: a top-level list.
		"triggers/on-deployed.yaml": "- description: Application is synced and healthy. Triggered once per commit.\n" +
			"  oncePer: app.status.operationState?.syncResult?.revision\n  send:\n  - app-deployed\n" +
			"  when: app.status.operationState != nil and app.status.operationState.phase in ['Succeeded']\n",
		// A Helm repository index: apiVersion, but no kind and no metadata.
		"charts/index.yaml": "apiVersion: v1\nentries:\n  shop:\n  - apiVersion: v2\n    name: shop\n    version: 0.1.0\n" +
			"    urls: [https://charts.example.com/shop-0.1.0.tgz]\ngenerated: \"2024-05-02T09:41:12.115893+02:00\"\n",
		"values.yaml": "replicaCount: 2\n",
		"cm.yaml":     cm,
		// These claim to be objects and are not: still findings.
		"bad/no-kind.yaml":       "apiVersion: v1\nmetadata: {name: x}\n",
		"bad/no-apiversion.yaml": "kind: ConfigMap\nmetadata: {name: x}\n",
		"bad/list-item.yaml":     "apiVersion: v1\nkind: List\nitems: [just a string]\n",
	})
	rep, err := check(t, dir, options(dir))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"bad/list-item.yaml:1 invalid-manifest",
		"bad/no-apiversion.yaml:1 invalid-manifest",
		"bad/no-kind.yaml:1 invalid-manifest",
	}, rulesOf(rep))
	assert.Equal(t, 1, rep.Summary.Objects)
}

// The typed decodes of Argo CD objects are shared by rules that run in parallel: with the
// race detector (make test runs this package with -race) this fails when they are not
// guarded.
func TestTypedDecodesAreSafeWhenRulesRunInParallel(t *testing.T) {
	files := map[string]string{"project.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: shop, namespace: argocd-system}\n" +
		"spec:\n  sourceRepos: ['https://git.example.com/*']\n  destinations: [{server: https://kubernetes.default.svc, namespace: shop}]\n"}
	for i := 0; i < 600; i++ {
		files["apps/app"+fmtInt(i)+".yaml"] = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app" + fmtInt(i) + ", namespace: argocd-system}\n" +
			"spec:\n  project: shop\n  source: {repoURL: https://elsewhere.example.com/x.git, path: .}\n  destination: {server: https://kubernetes.default.svc, namespace: shop}\n"
	}
	dir := writeFiles(t, files)
	opts := options(dir)
	opts.NoRender = true
	opts.Workers = 8
	opts.Profile.Policy.Disable = nil
	for _, r := range rules.Builtin() {
		if r.ID != "project-denies" && r.Check != nil {
			opts.Profile.Policy.Disable = append(opts.Profile.Policy.Disable, r.ID)
		}
	}
	rep, err := check(t, dir, opts)
	require.NoError(t, err)
	assert.Len(t, rep.Findings, 600, "every Application's source is outside the project's sourceRepos")
}

func TestAnObjectWithGenerateNameIsNamedByItsPrefix(t *testing.T) {
	// A migration Job as charts write it for hooks: generateName, no name.
	dir := writeFiles(t, map[string]string{"job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: db-migrate-\n  namespace: kube-system\n" +
		"spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: harbor.example.com/shop/migrate:1.0.0}]\n"})
	rep, err := check(t, dir, options(dir))
	require.NoError(t, err)
	require.NotEmpty(t, rep.Findings)
	for _, f := range rep.Findings {
		assert.Equal(t, "Job kube-system/db-migrate-<generated>", f.Object.String())
		assert.Equal(t, "db-migrate-", f.Object.GenerateName)
	}
	assert.Equal(t, "Job in namespace shop (no name)", policy.ObjectRef{Kind: "Job", Namespace: "shop"}.String())
}
