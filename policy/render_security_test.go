package policy_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/report"
	"github.com/ck8sargo/ck8sargo/policy/rules"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

const secRepo = "https://git.example.com/team/deploy.git"

// layout writes files under dir; a value starting with "->" is a symbolic link.
func layout(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if target, ok := strings.CutPrefix(text, "->"); ok {
			require.NoError(t, os.Symlink(target, p))
			continue
		}
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
}

func application(name, path, extra string) string {
	return "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: " + name + ", namespace: argocd-system}\n" +
		"spec:\n  project: shop\n  destination: {server: https://kubernetes.default.svc, namespace: shop}\n" +
		"  source:\n    repoURL: " + secRepo + "\n    path: " + path + "\n" + extra
}

// everyFormat renders the report in every format and returns all of it.
func everyFormat(t *testing.T, rep policy.Report) string {
	t.Helper()
	var all bytes.Buffer
	for _, f := range []string{"text", "json", "sarif", "junit", "github"} {
		var b bytes.Buffer
		err := report.Write(&b, f, rep, report.Options{Rules: rules.Builtin()})
		if err != nil {
			require.ErrorIs(t, err, policy.ErrFindings, f)
		}
		require.NotEmpty(t, b.String(), f)
		all.Write(b.Bytes())
	}
	return all.String()
}

// policy check reads nothing from outside the repository through any renderer (Helm
// .Files.Get on a link, a linked templates/ directory, linked value files plain and
// secrets://, a kustomize resource link and ../ escape, a directory source link, a jsonnet
// import): each is a render-failed finding naming the link, and no report format carries
// the outside file's content.
func TestPolicyCheckReadsNothingOutsideTheRepositoryInAnyReportFormat(t *testing.T) {
	const marker = "MARKER-OUTSIDE-policy-51c2"
	base := t.TempDir()
	root, out := filepath.Join(base, "repo"), filepath.Join(base, "outside")
	layout(t, out, map[string]string{
		"secret.txt":    marker + "\n",
		"values.yaml":   "v: " + marker + "\n",
		"cm.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + marker + "}\ndata: {k: " + marker + "}\n",
		"tpl/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: out}\ndata: {k: " + marker + "}\n",
		"lib.libsonnet": "{ k: '" + marker + "' }\n",
	})
	cmTpl := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: {{ .Values.v | default \"none\" | quote }}}\n"
	layout(t, root, map[string]string{
		"apps/apps.yaml": application("files-get", "files-get", "") + application("templates-link", "templates-link", "") +
			application("values-link", "values", "    helm: {valueFiles: [../envs/plain.yaml]}\n") +
			application("secrets-link", "values", "    helm: {valueFiles: ['secrets://../envs/secrets.yaml']}\n") +
			application("kustomize-link", "kustomize-link", "") + application("kustomize-up", "kustomize-up", "") +
			application("dir-link", "dir-link", "") + application("jsonnet-up", "jsonnet-up", ""),
		"files-get/Chart.yaml":              "apiVersion: v2\nname: files-get\nversion: 0.1.0\n",
		"files-get/x":                       "->" + filepath.Join(out, "secret.txt"),
		"files-get/templates/cm.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: {{ .Files.Get \"x\" | quote }}}\n",
		"templates-link/Chart.yaml":         "apiVersion: v2\nname: templates-link\nversion: 0.1.0\n",
		"templates-link/templates":          "->" + filepath.Join(out, "tpl"),
		"values/Chart.yaml":                 "apiVersion: v2\nname: values\nversion: 0.1.0\n",
		"values/templates/cm.yaml":          cmTpl,
		"envs/plain.yaml":                   "->" + filepath.Join(out, "values.yaml"),
		"envs/secrets.yaml":                 "->" + filepath.Join(out, "values.yaml"),
		"kustomize-link/kustomization.yaml": "resources: [cm.yaml]\n",
		"kustomize-link/cm.yaml":            "->" + filepath.Join(out, "cm.yaml"),
		"kustomize-up/kustomization.yaml":   "resources: [../../outside/cm.yaml]\n",
		"dir-link/cm.yaml":                  "->" + filepath.Join(out, "cm.yaml"),
		"jsonnet-up/main.jsonnet":           "local l = import '../../outside/lib.libsonnet'; { apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: l.k} }\n",
	})
	opts := options(root)
	opts.Profile.Features.HelmSecrets.Enabled = true
	opts.RepoRoot, opts.RepoURL = root, secRepo
	for _, bo := range []string{"", "--load-restrictor LoadRestrictionsNone"} {
		opts.ArgoCDConfig.KustomizeBuildOptions = bo
		rep, err := check(t, root, opts, filepath.Join(root, "apps"))
		require.NoError(t, err)
		assert.NotContains(t, everyFormat(t, rep), marker)
		failed := map[string]string{}
		for _, f := range rep.Findings {
			if f.Rule == policy.RuleRenderFailed {
				failed[f.Application] = f.Message
			}
		}
		for app, link := range map[string]string{
			"files-get": "files-get/x", "templates-link": "templates-link/templates", "values-link": "envs/plain.yaml",
			"secrets-link": "envs/secrets.yaml", "kustomize-link": "kustomize-link/cm.yaml", "kustomize-up": "outside/cm.yaml",
			"dir-link": "dir-link/cm.yaml", "jsonnet-up": "outside/lib.libsonnet",
		} {
			assert.Contains(t, failed[app], link, "%s (%s)", app, bo)
		}
	}
}

// A FIFO given to policy check is a clear error naming it, not a hang.
func TestPolicyCheckRefusesAFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	require.NoError(t, mkfifo(fifo))
	_, err := check(t, dir, options(dir), fifo)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pipe.yaml")
	assert.Contains(t, err.Error(), "FIFO")
}

// With a key, values decrypted from a secrets:// file never reach a finding, in any report
// format: not through a rendered object a rule quotes (an image), not through a `fail` or
// `required` message, and a secrets file that is not YAML does not leak through the
// parser's message.
func TestDecryptedValuesAreRedactedFromEveryReportFormat(t *testing.T) {
	const image, failMsg = "registry.example.com/leak-image-9d1e", "leaked-fail-message-3b7a"
	key, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
	require.NoError(t, err)
	enc := &sops.Client{Keyring: sops.NewKeyring(), Age: []string{key.Recipient}}
	secrets, err := enc.Encrypt(context.Background(), "secrets.yaml", []byte("image: "+image+"\nmsg: "+failMsg+"\n"))
	require.NoError(t, err)
	const binaryLeak = "binary-fragment-4c2e"
	layout(t, t.TempDir(), nil)
	root := t.TempDir()
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n" +
		"  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image }}\n"
	layout(t, root, map[string]string{
		"apps/apps.yaml": application("image", "image", "    helm: {valueFiles: ['secrets://secrets.yaml']}\n") +
			application("fail", "fail", "    helm: {valueFiles: ['secrets://../image/secrets.yaml']}\n") +
			application("required", "required", "    helm: {valueFiles: ['secrets://../image/secrets.yaml']}\n") +
			application("binary", "binary", "    helm: {valueFiles: ['secrets://secrets.yaml']}\n"),
		"image/Chart.yaml":            "apiVersion: v2\nname: image\nversion: 0.1.0\n",
		"image/templates/deploy.yaml": deploy,
		"image/secrets.yaml":          string(secrets),
		"fail/Chart.yaml":             "apiVersion: v2\nname: fail\nversion: 0.1.0\n",
		"fail/templates/cm.yaml":      "{{ fail (printf \"bad value %s\" .Values.msg) }}\n",
		"required/Chart.yaml":         "apiVersion: v2\nname: required\nversion: 0.1.0\n",
		"required/templates/cm.yaml":  "{{ required (printf \"need x, have %s\" .Values.msg) .Values.x }}\n",
		"binary/Chart.yaml":           "apiVersion: v2\nname: binary\nversion: 0.1.0\n",
		"binary/templates/cm.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
		"binary/secrets.yaml":         "\x00\x01: [" + binaryLeak + "\n\t- {\x7f",
	})
	ring := sops.NewKeyring()
	require.NoError(t, ring.AddIdentity("test", key.Private))
	opts := options(root)
	opts.Profile.Features.HelmSecrets.Enabled = true
	opts.Profile.Registries = []string{"harbor.example.com"}
	opts.RepoRoot, opts.RepoURL = root, secRepo
	opts.Decrypter = &sops.Client{Keyring: ring}
	rep, err := check(t, root, opts, filepath.Join(root, "apps"))
	require.NoError(t, err)
	all := everyFormat(t, rep)
	for _, leak := range []string{image, failMsg, binaryLeak} {
		assert.NotContains(t, all, leak)
	}
	var redacted, imageRule int
	for _, f := range rep.Findings {
		if strings.Contains(f.Message, "[redacted]") {
			redacted++
			assert.Contains(t, f.Message, "redacted)")
		}
		if f.Rule == "image-registry" {
			imageRule++
		}
	}
	assert.Positive(t, imageRule, "the rule still sees the real image: %v", rulesOf(rep))
	assert.GreaterOrEqual(t, redacted, 3, "%v", rep.Findings)
	assert.Contains(t, all, "is not valid YAML")
}

// A chart given as a path outside any repository renders, confined to its own directory.
func TestAStandaloneChartOutsideARepositoryRenders(t *testing.T) {
	dir := t.TempDir()
	layout(t, dir, map[string]string{
		"chart/Chart.yaml":        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"chart/templates/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n",
	})
	rep, err := check(t, dir, options(dir), filepath.Join(dir, "chart"))
	require.NoError(t, err)
	assert.Equal(t, []string{"chart/templates/ns.yaml:0 no-namespace-resource"}, rulesOf(rep), "%v", rep.Findings)
}
