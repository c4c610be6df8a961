package rules_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

// fixtureRepo is the repository URL the fixtures' Applications name; each fixture is
// checked as that repository's root.
const fixtureRepo = "https://git.example.com/team/deploy.git"

// fixtureProfile is the default profile with the test tenant's managed namespaces, plus a
// FIXTURE.profile.yaml next to the fixture when there is one.
func fixtureProfile(t *testing.T, fixture string) argocdmanaged.Profile {
	t.Helper()
	p := argocdmanaged.DefaultProfile()
	p.Namespaces.Managed = []string{"shop", "shop-staging"}
	pf := strings.TrimSuffix(fixture, ".yaml") + ".profile.yaml"
	if _, err := os.Stat(pf); err == nil {
		var err error
		p, err = argocdmanaged.LoadProfileFile(pf, p)
		require.NoError(t, err)
	}
	return p
}

func checkFixture(t *testing.T, fixture string) policy.Report {
	t.Helper()
	opts := policy.DefaultOptions()
	opts.Profile = fixtureProfile(t, fixture)
	opts.Rules = rules.Builtin()
	opts.RepoURL = fixtureRepo
	opts.RepoRoot = fixture
	if st, err := os.Stat(fixture); err == nil && !st.IsDir() {
		opts.RepoRoot = filepath.Dir(fixture)
	}
	opts.BaseDir = filepath.Dir(fixture)
	return check(t, opts, fixture)
}

// repoOptions are the default options with the built-in rules, checking root as the
// fixture repository's root.
func repoOptions(root string) policy.Options {
	opts := policy.DefaultOptions()
	opts.Rules = rules.Builtin()
	opts.RepoURL, opts.RepoRoot, opts.BaseDir = fixtureRepo, root, root
	return opts
}

// check checks path with opts; the checker's error fails the test.
func check(t *testing.T, opts policy.Options, path string) policy.Report {
	t.Helper()
	rep, err := policy.Check(context.Background(), policy.Inputs{Paths: []string{path}}, opts)
	require.NoError(t, err)
	return rep
}

// writeRepo writes files (path: content) into a new directory and returns it.
func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	fixture.WriteFiles(t, dir, files)
	return dir
}

func findingsOf(rep policy.Report, rule string) []policy.Finding {
	var out []policy.Finding
	for _, f := range rep.Findings {
		if f.Rule == rule || rules.FamilyOf(f.Rule) == rule {
			out = append(out, f)
		}
	}
	return out
}

// fixtures lists testdata/RULE/fires-* and passes-* (files and directories), skipping
// profile files.
func fixtures(t *testing.T, rule string) (fires, passes []string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", rule))
	if err != nil {
		return nil, nil
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".profile.yaml") {
			continue
		}
		p := filepath.Join("testdata", rule, name)
		switch {
		case strings.HasPrefix(name, "fires-"):
			fires = append(fires, p)
		case strings.HasPrefix(name, "passes-"):
			passes = append(passes, p)
		}
	}
	return fires, passes
}

func TestEveryRuleFiresOnItsFailingFixturesAndNotOnItsPassingOnes(t *testing.T) {
	for _, r := range rules.Builtin() {
		fires, passes := fixtures(t, r.ID)
		for _, f := range fires {
			t.Run(r.ID+"/"+filepath.Base(f), func(t *testing.T) {
				rep := checkFixture(t, f)
				got := findingsOf(rep, r.ID)
				require.NotEmpty(t, got, "rule %s should fire on %s; findings: %+v", r.ID, f, rep.Findings)
				for _, g := range got {
					assert.NotEmpty(t, g.Message)
					assert.NotEmpty(t, g.Remediation)
					assert.NotEmpty(t, g.File)
				}
			})
		}
		for _, p := range passes {
			t.Run(r.ID+"/"+filepath.Base(p), func(t *testing.T) {
				rep := checkFixture(t, p)
				assert.Empty(t, findingsOf(rep, r.ID), "rule %s should not fire on %s", r.ID, p)
				assert.Positive(t, rep.Summary.Objects)
			})
		}
	}
}

func TestEveryRuleHasFixturesAndCompleteDocs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "policy.md"))
	require.NoError(t, err)
	for _, r := range rules.Builtin() {
		if strings.HasPrefix(r.ID, "pod-security/") {
			// One rule per Pod Security check: the differential test of package admission
			// judges them against the kube-apiserver; the family rule has the fixtures.
			assert.Contains(t, string(doc), "### "+r.ID+"\n")
			continue
		}
		fires, passes := fixtures(t, r.ID)
		assert.NotEmpty(t, fires, "rule %s has no testdata/%s/fires-* fixture", r.ID, r.ID)
		assert.NotEmpty(t, passes, "rule %s has no testdata/%s/passes-* fixture", r.ID, r.ID)
		assert.Contains(t, string(doc), "### "+r.ID+"\n", "docs/policy.md has no section for %s", r.ID)
		assert.NotEmpty(t, r.Title)
		assert.NotEmpty(t, r.Rationale)
		assert.NotEmpty(t, r.Remediation)
	}
}

func TestBuiltinRegistersWithoutDuplicates(t *testing.T) {
	_, err := policy.NewRegistry(rules.Builtin()...)
	require.NoError(t, err)
	_, err = policy.NewRegistry(append(rules.Builtin(), rules.Platform()[0])...)
	require.ErrorContains(t, err, "registered twice")
}

func TestRenderedFindingsNameTheApplicationAndTheTemplateFile(t *testing.T) {
	rep := checkFixture(t, filepath.Join("testdata", "no-namespace-resource", "fires-helm-rendered"))
	got := findingsOf(rep, "no-namespace-resource")
	require.Len(t, got, 1)
	assert.Equal(t, "shop", got[0].Application)
	assert.Equal(t, "fires-helm-rendered/chart/templates/ns.yaml", got[0].File)
	assert.Equal(t, "shop", got[0].Object.Name, "the Namespace is named after the release namespace")

	rep = checkFixture(t, filepath.Join("testdata", "no-namespace-resource", "fires-kustomize-rendered"))
	got = findingsOf(rep, "no-namespace-resource")
	require.Len(t, got, 1)
	assert.Equal(t, "fires-kustomize-rendered/overlay/kustomization.yaml", got[0].File)
}

func TestAppsOfAppsIsAWarningWhenThePreviewIsEnabled(t *testing.T) {
	fixture := filepath.Join("testdata", "apps-of-apps", "fires-directory-source")
	opts := repoOptions(fixture)
	opts.Profile.Features.AppsOfApps.Enabled = true
	got := findingsOf(check(t, opts, fixture), "apps-of-apps")
	require.Len(t, got, 1)
	assert.Equal(t, policy.SeverityWarning, got[0].Severity)
}

func TestFindingsPointAtTheOffendingField(t *testing.T) {
	rep := checkFixture(t, filepath.Join("testdata", "no-create-namespace", "fires-sync-option.yaml"))
	got := findingsOf(rep, "no-create-namespace")
	require.Len(t, got, 1)
	// The Application starts on line 1; syncOptions is on line 11.
	assert.Equal(t, 11, got[0].Line)
}

func TestUnencryptedSecretsFileUsesTheSecretsScanner(t *testing.T) {
	rep := checkFixture(t, filepath.Join("testdata", "unencrypted-secrets-file", "fires-plaintext"))
	got := findingsOf(rep, "unencrypted-secrets-file")
	require.NotEmpty(t, got)
	assert.Contains(t, got[0].Message, "secrets.yaml")
	for _, f := range rep.Findings {
		assert.NotContains(t, f.Message, "not-encrypted", "a finding must never carry a secret value")
	}
}

func TestListGeneratorApplicationSetsAreRendered(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"appset.yaml": `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: shop, namespace: argocd-system}
spec:
  generators: [{list: {elements: [{env: staging}]}}]
  template:
    metadata: {name: "shop-{{env}}"}
    spec:
      project: shop
      source: {repoURL: ` + fixtureRepo + `, path: "envs/{{env}}"}
      destination: {server: https://kubernetes.default.svc, namespace: shop-staging}
`,
		"envs/staging/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop-staging}\n",
	})
	rep := check(t, repoOptions(dir), filepath.Join(dir, "appset.yaml"))
	got := findingsOf(rep, "no-namespace-resource")
	require.Len(t, got, 1)
	assert.Equal(t, "shop-staging", got[0].Application)
	assert.True(t, slices.ContainsFunc(rep.Findings, func(f policy.Finding) bool { return f.File == "envs/staging/ns.yaml" }))
}

func TestArgoCDRepositorySecretsAreErrorsOnlyForTheCredentialsTheyHold(t *testing.T) {
	rep := checkFixture(t, filepath.Join("testdata", "plaintext-secret", "passes-argocd-repository-secrets.yaml"))
	assert.Empty(t, findingsOf(rep, "plaintext-secret"), "url, name, type, project and enableOCI are settings")

	rep = checkFixture(t, filepath.Join("testdata", "plaintext-secret", "fires-argocd-repository-credentials.yaml"))
	var msgs []string
	for _, f := range findingsOf(rep, "plaintext-secret") {
		msgs = append(msgs, f.Object.Name+": "+f.Message)
	}
	require.Len(t, msgs, 4)
	assert.Contains(t, msgs[0], "private-repo: ")
	assert.Contains(t, msgs[0], "(keys: password)", "username, type and url are not credentials")
	assert.Contains(t, msgs[1], "(keys: sshPrivateKey)")
	assert.Contains(t, msgs[2], "(keys: githubAppPrivateKey)")
	assert.Contains(t, msgs[3], "(keys: key.asc)")
}

func TestNamespaceRulesIgnoreTheNamespaceOfClusterScopedObjects(t *testing.T) {
	fixture := filepath.Join("testdata", "no-platform-namespace", "passes-cluster-scoped-with-a-stray-namespace.yaml")
	rep := checkFixture(t, fixture)
	for _, id := range []string{"no-platform-namespace", "no-argocd-namespace", "destination-namespace-not-managed"} {
		assert.Empty(t, findingsOf(rep, id), id)
	}
	assert.Len(t, findingsOf(rep, "no-cluster-scoped-resource"), 3, "they are still cluster-scoped objects Argo CD cannot manage")
}

// argoApp is an Application document in argocd-system, of project shop, that deploys path
// of the fixture repository into namespace.
func argoApp(name, path, namespace string) string {
	return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ` + name + `, namespace: argocd-system}
spec:
  project: shop
  source: {repoURL: ` + fixtureRepo + `, path: ` + path + `}
  destination: {server: https://kubernetes.default.svc, namespace: ` + namespace + `}
`
}

func TestWithTheAppsOfAppsPreviewTheParentMayDeployIntoTheArgoCDNamespaceAndItsChildrenAreChecked(t *testing.T) {
	// The apps-of-apps layout of Argo CD's cluster bootstrapping docs: a root Application
	// deploying the apps/ directory into the Argo CD namespace.
	dir := writeRepo(t, map[string]string{
		"root.yaml":       argoApp("root", "apps", "argocd-system"),
		"apps/shop.yaml":  argoApp("shop", "shop", "kube-system"),
		"apps/stray.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stray}\ndata: {a: b}\n",
	})
	opts := repoOptions(dir)
	opts.Profile.Namespaces.Managed = []string{"shop"}
	opts.Profile.Features.AppsOfApps.Enabled = true
	rep := check(t, opts, filepath.Join(dir, "root.yaml"))
	var got []string
	for _, f := range findingsOf(rep, "no-argocd-namespace") {
		got = append(got, f.Object.Kind+"/"+f.Object.Name+" "+f.Severity.String()+": "+f.Message)
	}
	// The stray ConfigMap is named on the parent that deploys it, once.
	assert.ElementsMatch(t, []string{
		`Application/root warning: the destination namespace is the Argo CD namespace "argocd-system", as the Apps of Apps preview needs for a parent Application: deploy only Applications, ApplicationSets and AppProjects through it (the preview has no uptime SLA on the Argo CD endpoint)`,
		`Application/root error: Application "root" deploys 1 object into the Argo CD namespace "argocd-system": ConfigMap stray`,
	}, got, "the parent's destination is the preview's; a non-Argo CD object it deploys there is still an error")
	plat := findingsOf(rep, "no-platform-namespace")
	require.Len(t, plat, 1, "the child Application is checked: %+v", rep.Findings)
	assert.Equal(t, "shop", plat[0].Object.Name)

	opts.Profile.Features.AppsOfApps.Enabled = false
	for _, f := range findingsOf(check(t, opts, filepath.Join(dir, "root.yaml")), "no-argocd-namespace") {
		assert.Equal(t, policy.SeverityError, f.Severity, "without the preview: %s", f.Message)
	}
}

func TestEveryKindWithAPodTemplateGetsTheWorkloadRules(t *testing.T) {
	// An Argo Rollouts canary as in its documentation, and a KEDA ScaledJob, whose pod
	// template is at spec.jobTargetRef.template; neither requests resources.
	dir := writeRepo(t, map[string]string{"workloads.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: rollouts-demo, namespace: shop}
spec:
  replicas: 5
  strategy:
    canary:
      steps: [{setWeight: 20}, {pause: {}}]
  selector: {matchLabels: {app: rollouts-demo}}
  template:
    metadata: {labels: {app: rollouts-demo}}
    spec:
      containers:
      - name: rollouts-demo
        image: argoproj/rollouts-demo:blue
---
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {name: queue-worker, namespace: shop}
spec:
  jobTargetRef:
    template:
      spec:
        containers:
        - name: worker
          image: harbor.example.com/shop/worker:1.0.0
        restartPolicy: Never
  triggers: [{type: rabbitmq, metadata: {queueName: jobs}}]
`})
	opts := policy.DefaultOptions()
	opts.Profile.Namespaces.Managed = []string{"shop"}
	opts.Rules = rules.Builtin()
	opts.BaseDir = dir
	kinds := func() map[string]int {
		out := map[string]int{}
		for _, f := range findingsOf(check(t, opts, dir), "resource-requests") {
			out[f.Object.Kind]++
			if f.Object.Kind == "ScaledJob" {
				assert.Equal(t, 25, f.Line, "the line of the container in spec.jobTargetRef.template")
			}
		}
		return out
	}
	got := kinds()
	assert.Positive(t, got["Rollout"], "a Rollout is a workload")
	assert.Zero(t, got["ScaledJob"], "an unknown kind is not guessed at")

	opts.Profile.Policy.PodTemplates = []argocdmanaged.PodTemplateKind{{Group: "keda.sh", Kind: "ScaledJob", Path: "spec.jobTargetRef.template"}}
	got = kinds()
	assert.Positive(t, got["Rollout"])
	assert.Positive(t, got["ScaledJob"], "the profile names its pod template")
}

func TestAnApplicationOutsideTheArgoCDNamespaceIsAnError(t *testing.T) {
	rep := checkFixture(t, filepath.Join("testdata", "application-namespace", "fires-upstream-argocd-namespace.yaml"))
	got := findingsOf(rep, "application-namespace")
	require.Len(t, got, 1)
	assert.Equal(t, policy.SeverityError, got[0].Severity)
	assert.Contains(t, got[0].Message, `in namespace "argocd"`)
	assert.Equal(t, "Set metadata.namespace to argocd-system.", got[0].Remediation)
	assert.Equal(t, 6, got[0].Line, "the line of metadata.namespace")
}

func TestADestinationWithBothNameAndServerSaysWhatArgoCDDoes(t *testing.T) {
	rep := checkFixture(t, filepath.Join("testdata", "destination-not-in-cluster", "fires-both-name-and-server.yaml"))
	got := findingsOf(rep, "destination-not-in-cluster")
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Message, "Argo CD refuses an Application whose destination names both")
	assert.NotContains(t, got[0].Message, "is not the in-cluster")
	assert.Equal(t, "Keep one of them: server https://kubernetes.default.svc, or name in-cluster.", got[0].Remediation)
}

func TestEveryHelmSecretsSchemeFindsItsFile(t *testing.T) {
	fixture := filepath.Join("testdata", "helm-secrets-scheme", "fires-import-schemes")
	p := fixtureProfile(t, fixture)
	p.Features.HelmSecrets.Enabled = true
	opts := policy.DefaultOptions()
	opts.Profile, opts.Rules = p, rules.Builtin()
	opts.RepoURL, opts.RepoRoot, opts.BaseDir = fixtureRepo, fixture, filepath.Dir(fixture)
	rep := check(t, opts, fixture)
	assert.Empty(t, findingsOf(rep, "render-failed"), "each form names chart/secrets.yaml")
	assert.Len(t, findingsOf(rep, "not-rendered"), 4, "each is found, and is encrypted")
	got := findingsOf(rep, "helm-secrets-scheme")
	require.Len(t, got, 4)
	assert.Equal(t, "Write it as secrets://secrets.yaml.", got[0].Remediation)
	assert.Equal(t, policy.SeverityWarning, got[0].Severity)
}
