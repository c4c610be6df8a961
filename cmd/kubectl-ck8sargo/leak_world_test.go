package main_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv/sealedtest"
	"github.com/ck8sargo/ck8sargo/secrets/vals/valstest"
)

// newLeakWorld lays out everything the cases run against, each secret input holding a
// value planted for this run: keys (age, OpenPGP imported by the real gpg, a GitHub App
// PEM), sops files, Secrets in the cluster (repository credentials, the cluster Secret's
// bearer token, the helm-secrets key, the vals-secret, the notifications Secret), a Vault
// token and value, notification credential files, sealed-secrets inputs, a kubeconfig
// token, cloud credentials in the environment, a backup of those Secrets.
func newLeakWorld(t *testing.T) *leakWorld {
	t.Helper()
	root, err := os.MkdirTemp("", "lk")
	require.NoError(t, err)
	root, err = filepath.EvalSymlinks(root)
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(root) })
	w := &leakWorld{root: root, repo: filepath.Join(root, "repo"), tmp: filepath.Join(root, "tmp"),
		marks: map[string]string{}, files: map[string]string{}, vals: map[string]string{}}
	for _, d := range []string{"tmp", "cache", "data", "config", "home", "keys", "inputs", "out", "kube", "repo"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o700))
	}
	gnupg, err := os.MkdirTemp("", "lkg") // short: gpg-agent's socket path has a limit
	require.NoError(t, err)
	require.NoError(t, os.Chmod(gnupg, 0o700))
	t.Cleanup(func() {
		kill := exec.Command("gpgconf", "--kill", "all")
		kill.Env = append(os.Environ(), "GNUPGHOME="+gnupg)
		_ = kill.Run()
		os.RemoveAll(gnupg)
	})
	w.files["gnupghome"] = gnupg

	ns := env.Namespace(t, "lkargo")
	w.vals["ns"] = ns
	w.base = leakBaseEnv(root)
	w.base = append(w.base,
		"GNUPGHOME="+gnupg,
		"KUBECONFIG="+env.AdminKubeconfig,
		"AWS_ACCESS_KEY_ID="+w.mark("aws-key-id"),
		"AWS_SECRET_ACCESS_KEY="+w.mark("aws-secret"),
		"VAULT_TOKEN="+w.mark("vault-env-token"),
	)
	w.shmBefore = shmEntries()

	w.keys(t)
	w.kubeconfigs(t)
	w.servers(t)
	w.cluster(t, ns)
	w.repository(t, ns)
	w.inputs(t)
	w.sealed(t)
	w.backup(t)
	return w
}

// leakBaseEnv is the environment without anything of the caller's that could hold keys
// or credentials, with the directories a run may write to inside root.
func leakBaseEnv(root string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "SOPS_"), strings.HasPrefix(k, "VAULT_"), strings.HasPrefix(k, "AWS_"),
			strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "GOOGLE_"), strings.HasPrefix(k, "AZURE_"),
			k == "KUBECONFIG", k == "HOME", k == "TMPDIR", k == "GNUPGHOME", k == "EDITOR", k == "SOPS_EDITOR", k == "NO_COLOR":
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		"HOME="+filepath.Join(root, "home"),
		"TMPDIR="+filepath.Join(root, "tmp"),
		"XDG_CACHE_HOME="+filepath.Join(root, "cache"),
		"XDG_DATA_HOME="+filepath.Join(root, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(root, "config"),
		"GIT_AUTHOR_NAME=lk", "GIT_AUTHOR_EMAIL=lk@example.com", "GIT_COMMITTER_NAME=lk", "GIT_COMMITTER_EMAIL=lk@example.com",
	)
}

func (w *leakWorld) write(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(w.root, name)
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
	require.NoError(t, os.WriteFile(p, []byte(content), mode))
	return p
}

// plugin runs the plugin for setting up, requiring success.
func (w *leakWorld) plugin(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(plugin, args...)
	cmd.Dir = dir
	cmd.Env = w.base
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "setting up: %v: %s", args, stderr.String())
	return stdout.String()
}

func (w *leakWorld) keys(t *testing.T) {
	for _, k := range []struct{ kind, name string }{{"age-key", "key"}, {"age-other", "other"}, {"age-leaked", "leaked"}} {
		id, err := age.GenerateX25519Identity()
		require.NoError(t, err)
		w.files[k.name] = w.write(t, "keys/"+k.name+".txt", "# created: leak test\n# public key: "+id.Recipient().String()+"\n"+id.String()+"\n", 0o600)
		w.vals[k.name+"-recipient"] = id.Recipient().String()
		w.addKeyFile(k.kind, w.files[k.name], "")
	}
	w.files["recipient"] = w.write(t, "keys/recipient.txt", w.vals["key-recipient"]+"\n", 0o644)

	pgp := filepath.Join(w.root, "keys", "pgp")
	w.plugin(t, w.root, "secrets", "keygen", "--type", "pgp", "--algorithm", "ed25519", "--out", pgp)
	w.files["pgp"], w.files["pgp-public"] = filepath.Join(pgp, "private.asc"), filepath.Join(pgp, "public.asc")
	w.addKeyFile("pgp-key", w.files["pgp"], w.files["pgp-public"])
	armored, err := os.ReadFile(w.files["pgp"])
	require.NoError(t, err)
	gpg := exec.Command("gpg", "--batch", "--import")
	gpg.Env = append(os.Environ(), "GNUPGHOME="+w.files["gnupghome"])
	gpg.Stdin = bytes.NewReader(armored)
	out, err := gpg.CombinedOutput()
	require.NoError(t, err, "gpg --import (install the Debian package gnupg): %s", out)

	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	w.files["github-pem"] = w.write(t, "keys/github.pem", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})), 0o600)
	w.addKeyFile("github-key", w.files["github-pem"], "")
}

func (w *leakWorld) kubeconfigs(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	w.files["kube-down"] = w.write(t, "kube/down.kubeconfig", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://%s"}}]
users: [{name: u, user: {token: %s}}]
contexts: [{name: down, context: {cluster: c, user: u}}]
current-context: down
`, addr, w.mark("kube-token")), 0o600)
	w.vals["closed"] = addr
}

// servers starts a Vault KV server, a webhook for notifications and a Helm repository.
func (w *leakWorld) servers(t *testing.T) {
	vault := valstest.NewKVServer(t, w.mark("vault-token"), map[string]map[string]any{
		"shop/db": {"password": w.mark("vault-value")},
	})
	w.vals["vault"] = vault.URL
	w.files["vault-token"] = w.write(t, "inputs/vault-token", w.marks["vault-token"], 0o600)
	w.files["vault-bad-token"] = w.write(t, "inputs/vault-bad-token", w.mark("vault-bad-token"), 0o600)
	w.files["vault-token-nl"] = w.write(t, "inputs/vault-token-nl", w.mark("vault-token-nl")+"\n", 0o600)
	w.files["vault-secret-id"] = w.write(t, "inputs/vault-secret-id", w.mark("vault-secret-id"), 0o600)

	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.hookMu.Lock()
		w.hookAuth = append(w.hookAuth, r.Header.Get("Authorization"))
		w.hookMu.Unlock()
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hook.Close)
	w.vals["hook"] = hook.URL

	chart := chartArchive(t, "lkchart", "0.1.0")
	sum := sha256.Sum256(chart)
	helm := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/index.yaml":
			fmt.Fprintf(rw, "apiVersion: v1\nentries:\n  lkchart:\n    - name: lkchart\n      version: 0.1.0\n      apiVersion: v2\n      digest: %s\n      urls: [%s/lkchart-0.1.0.tgz]\n", hex.EncodeToString(sum[:]), "http://"+r.Host)
		case "/lkchart-0.1.0.tgz":
			_, _ = rw.Write(chart)
		default:
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(helm.Close)
	w.vals["helm"] = helm.URL
}

// chartArchive is a chart whose Secret takes its password from the values, base64-encoded
// as most charts do it, and in plain stringData.
func chartArchive(t *testing.T, name, version string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	files := map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: " + name + "\nversion: " + version + "\n",
		"values.yaml":           "password: changeme\n",
		"templates/secret.yaml": chartSecretTemplate,
	}
	for n, c := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name + "/" + n, Mode: 0o644, Size: int64(len(c)), ModTime: time.Now()}))
		_, err := tw.Write([]byte(c))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

const chartSecretTemplate = `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-db
data:
  password: {{ .Values.password | b64enc }}
stringData:
  plain: {{ .Values.password | quote }}
`

// cluster puts the team's Argo CD objects, with their secrets, in a namespace of its own.
func (w *leakWorld) cluster(t *testing.T, ns string) {
	ctx := context.Background()
	p := env.Profile.Clone()
	p.ArgoCD.Namespace = ns
	w.vals["profile"] = string(must(argocdmanaged.MarshalProfile(p)))
	kube := env.AdminClient.CoreV1()
	argo := map[string]string{"app.kubernetes.io/part-of": "argocd"}
	label := func(v string) map[string]string {
		return map[string]string{"app.kubernetes.io/part-of": "argocd", argocdmanaged.SecretTypeLabel: v}
	}
	secrets := []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Name: "cluster-kubernetes.default.svc", Labels: label(argocdmanaged.SecretTypeCluster)}, StringData: map[string]string{
			"name": p.ArgoCD.ServerName, "server": p.ArgoCD.Server, "namespaces": "shop,shop-staging",
			"config": `{"bearerToken":"` + w.mark("cluster-token") + `","tlsClientConfig":{"insecure":false}}`,
		}},
		{ObjectMeta: metav1.ObjectMeta{Name: "repo-shop", Labels: label("repository")}, StringData: map[string]string{
			"url": "https://git.example.com/shop.git", "username": "shop", "password": w.mark("repo-password"),
		}},
		{ObjectMeta: metav1.ObjectMeta{Name: p.Features.HelmSecrets.KeySecretName, Labels: label(p.Features.HelmSecrets.KeySecretLabel)},
			Data: map[string][]byte{p.Features.HelmSecrets.KeySecretDataKey: must(os.ReadFile(w.files["pgp"]))}},
		{ObjectMeta: metav1.ObjectMeta{Name: p.Features.Vals.SecretName, Labels: label(p.Features.Vals.SecretLabel)}, StringData: map[string]string{
			"VAULT_ADDR": w.vals["vault"], "VAULT_AUTH_METHOD": "token", "VAULT_TOKEN": w.mark("vault-live-token"),
		}},
		{ObjectMeta: metav1.ObjectMeta{Name: p.Notifications.Secret, Labels: argo}, StringData: map[string]string{
			"hook-auth": w.mark("notify-secret"),
		}},
	}
	for _, s := range secrets {
		_, err := kube.Secrets(ns).Create(ctx, s, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	_, err := kube.ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: p.Notifications.ConfigMap, Labels: argo},
		Data: notifyConfig(w.vals["hook"])}, metav1.CreateOptions{})
	require.NoError(t, err)
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	app := &unstructured.Unstructured{}
	require.NoError(t, json.Unmarshal([]byte(`{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"shop","annotations":{"notifications.argoproj.io/subscribe.on-lk.hook":""}},
"spec":{"project":"default","destination":{"server":"https://kubernetes.default.svc","namespace":"shop"},
"source":{"repoURL":"https://git.example.com/shop.git","path":"charts/shop","targetRevision":"main","helm":{"valueFiles":["secrets://secrets.yaml"]}}}}`), &app.Object))
	_, err = dyn.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).Create(ctx, app, metav1.CreateOptions{})
	require.NoError(t, err)
}

// notifyConfig is a notifications ConfigMap whose webhook sends the Secret's value in a
// header and whose template renders it: a message that only redaction keeps clean.
func notifyConfig(hook string) map[string]string {
	return map[string]string{
		"service.webhook.hook": "url: " + hook + "\nheaders:\n  - name: Authorization\n    value: $hook-auth\n",
		"trigger.on-lk":        "- when: 'true'\n  send: [lk]\n",
		"template.lk":          "message: 'token {{ index .secrets \"hook-auth\" | toString }}'\nwebhook:\n  hook:\n    method: POST\n    body: '{\"t\": \"{{ index .secrets \"hook-auth\" | toString }}\"}'\n",
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// repository is the team's git checkout: a chart with sops-encrypted values, Applications
// that use them, a vals reference, a plaintext Secret and a private key left by mistake
// (for the scan), two commits for diff.
func (w *leakWorld) repository(t *testing.T, ns string) {
	r := w.repo
	gitIn := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = r
		cmd.Env = w.base
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	gitIn("init", "-q", "-b", "main")
	gitIn("remote", "add", "origin", "https://git.example.com/shop.git")
	w.write(t, filepath.Join(r, ".ck8sargo.yaml"), w.vals["profile"], 0o644)
	w.files["profile"] = filepath.Join(r, ".ck8sargo.yaml")
	regex := `secrets(\..+)?\.yaml$`
	w.plugin(t, r, "secrets", "init", "--key", w.files["recipient"], "--path-regex", regex)
	w.plugin(t, r, "secrets", "init", "--key", w.files["pgp-public"], "--path-regex", regex)
	w.write(t, filepath.Join(r, "charts/shop/Chart.yaml"), "apiVersion: v2\nname: shop\nversion: 0.1.0\n", 0o644)
	w.write(t, filepath.Join(r, "charts/shop/values.yaml"), "password: changeme\nreplicas: 2\n", 0o644)
	w.write(t, filepath.Join(r, "charts/shop/templates/secret.yaml"), chartSecretTemplate, 0o644)
	w.write(t, filepath.Join(r, "charts/shop/templates/deploy.yaml"), `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
          env: [{name: DB_PASSWORD, value: {{ .Values.password | quote }}}]
`, 0o644)
	secretsFile := filepath.Join(r, "charts/shop/secrets.yaml")
	w.files["sops"] = secretsFile
	w.write(t, secretsFile, "password: "+w.mark("sops-value")+"\napi:\n  key: "+w.mark("sops-nested")+"\n", 0o600)
	w.plugin(t, r, "secrets", "encrypt", "--in-place", "--public-key", w.files["pgp-public"], secretsFile)
	app := func(name, source string) string {
		return fmt.Sprintf("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: %s, namespace: %s}\nspec:\n  project: default\n  destination: {server: https://kubernetes.default.svc, namespace: shop}\n%s", name, ns, source)
	}
	w.files["app"] = w.write(t, filepath.Join(r, "apps/shop.yaml"), app("shop", `  source:
    repoURL: https://git.example.com/shop.git
    targetRevision: main
    path: charts/shop
    helm:
      valueFiles: [values.yaml, secrets://secrets.yaml]
      fileParameters:
        - {name: vaultpw, path: "secrets+literal://vals!ref+vault://secret/shop/db#/password"}
`), 0o644)
	w.write(t, filepath.Join(r, "apps/remote.yaml"), app("remote", `  source:
    repoURL: `+w.vals["helm"]+`
    chart: lkchart
    targetRevision: 0.1.0
    helm:
      values: |
        password: public-default
`), 0o644)
	w.files["appset"] = w.write(t, filepath.Join(r, "apps/appset.yaml"), fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: envs, namespace: %s}
spec:
  goTemplate: true
  generators:
    - list:
        elements: [{env: staging}]
  template:
    metadata: {name: 'shop-{{.env}}'}
    spec:
      project: default
      destination: {server: https://kubernetes.default.svc, namespace: 'shop-{{.env}}'}
      source:
        repoURL: https://git.example.com/shop.git
        targetRevision: main
        path: charts/shop
        helm: {valueFiles: [secrets://secrets.yaml]}
`, ns), 0o644)
	w.write(t, filepath.Join(r, "deploy/plain-secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: shop}\nstringData:\n  token: "+w.mark("plain-secret")+"\n", 0o644)
	leaked := must(os.ReadFile(w.files["leaked"]))
	w.write(t, filepath.Join(r, "deploy/notes.txt"), "left here by mistake:\n"+string(leaked), 0o644)
	gitIn("add", "-A")
	gitIn("commit", "-q", "-m", "base")
	// The head changes the secret: diff may say that it changed, never to what.
	w.write(t, secretsFile, "password: "+w.mark("sops-value-new")+"\napi:\n  key: "+w.marks["sops-nested"]+"\n", 0o600)
	w.plugin(t, r, "secrets", "encrypt", "--in-place", "--public-key", w.files["pgp-public"], secretsFile)
	gitIn("commit", "-q", "-am", "head")
}

// inputs are the files that commands read secrets from, outside the repository.
func (w *leakWorld) inputs(t *testing.T) {
	w.files["plain"] = w.write(t, "inputs/secrets.yaml", "password: "+w.mark("plain-input")+"\n", 0o600)
	w.files["garbage-key"] = w.write(t, "inputs/garbage.txt", "AGE-SECRET-KEY-1"+strings.ToUpper(w.mark("garbage-key"))+"\n", 0o600)
	w.files["sealed-pw"] = w.write(t, "inputs/sealed-pw.txt", w.mark("sealed-file"), 0o600)
	w.files["sealed-secret"] = w.write(t, "inputs/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: shop}\nstringData:\n  token: "+w.mark("sealed-manifest")+"\n", 0o600)
	w.files["notify-cm"] = w.write(t, "inputs/notify-cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-notifications-cm}\ndata:\n"+indentMap(notifyConfig(w.vals["hook"])), 0o644)
	w.files["notify-cm-down"] = w.write(t, "inputs/notify-cm-down.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-notifications-cm}\ndata:\n"+indentMap(notifyConfig("http://"+w.vals["closed"])), 0o644)
	w.files["notify-secret"] = w.write(t, "inputs/notify-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: argocd-notifications-secret}\nstringData:\n  hook-auth: "+w.mark("notify-file-secret")+"\n", 0o600)
	w.files["notify-app"] = w.write(t, "inputs/notify-app.yaml", `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  annotations:
    notifications.argoproj.io/subscribe.on-lk.hook: ""
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  source: {repoURL: https://git.example.com/shop.git, path: deploy}
`, 0o644)
	// The editor also notes where the plaintext was and its mode, for the case to check.
	w.files["edit-seen"] = filepath.Join(w.root, "out", "edit-seen")
	w.files["editor"] = w.write(t, "inputs/editor.sh", "#!/bin/sh\nstat -c '%a %n' \"$1\" > "+w.files["edit-seen"]+"\nsed -i 's/^password: .*/password: "+w.mark("sops-edited")+"/' \"$1\"\n", 0o700)
	// Broken input next to the secret: parsers that quote what they choke on would print it.
	w.files["broken-alias"] = w.write(t, "inputs/broken-alias.yaml", "password: *"+w.mark("broken-alias")+"\n", 0o600)
	w.files["broken-secret"] = w.write(t, "inputs/broken-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: shop}\nstringData:\n  token: *"+w.mark("broken-secret-alias")+"\n", 0o600)
	w.files["broken-b64"] = w.write(t, "inputs/broken-b64.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: shop}\ndata:\n  token: "+w.mark("broken-b64")+"!!\n", 0o600)
	w.files["broken-type"] = w.write(t, "inputs/broken-type.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: shop}\nstringData:\n  token: ["+w.mark("broken-type")+"]\n", 0o600)
}

func indentMap(m map[string]string) string {
	var b strings.Builder
	for k, v := range m {
		b.WriteString("  " + k + ": |\n")
		for _, l := range strings.Split(strings.TrimRight(v, "\n"), "\n") {
			b.WriteString("    " + l + "\n")
		}
	}
	return b.String()
}

// sealed starts the real sealed-secrets controller and seals a Secret for reseal and
// verify-sealed.
func (w *leakWorld) sealed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := env.Profile.Features.SealedSecrets
	// Start lets every authenticated user reach the controller through the service proxy,
	// as the platform does; the package's other tests expect a user without rights to be
	// refused everything, so that right goes when this test ends.
	t.Cleanup(func() {
		rbac := env.AdminClient.RbacV1()
		name := p.ControllerName + "-service-proxier"
		_ = rbac.RoleBindings(p.ControllerNamespace).Delete(context.Background(), name, metav1.DeleteOptions{})
		_ = rbac.Roles(p.ControllerNamespace).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	ctrl, err := sealedtest.Start(ctx, env)
	t.Cleanup(ctrl.Stop)
	require.NoError(t, err)
	w.vals["controller"] = ctrl.URL
	out := w.plugin(t, w.root, "secrets", "seal", "--controller-url", ctrl.URL, "--name", "db", "-n", "shop",
		"--from-file", "password="+w.files["sealed-pw"], "--from-literal", "user="+w.mark("sealed-literal"))
	w.files["sealed"] = w.write(t, "inputs/db.sealed.yaml", out, 0o644)
	w.files["sealed-renamed"] = w.write(t, "inputs/renamed.sealed.yaml", strings.Replace(out, "name: db\n", "name: db-renamed\n", 1), 0o644)
}

// backup exports the team's objects, Secrets encrypted to the team key and signed.
func (w *leakWorld) backup(t *testing.T) {
	out := w.plugin(t, w.repo, "backup", "export", "--encrypt-to", w.vals["key-recipient"], "--identity", w.files["key"], "-o", "json")
	var exp struct {
		Name string `json:"name"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &exp), out)
	w.vals["backup"] = exp.Name
}
