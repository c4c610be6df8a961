package main_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/cli"
)

// anyExit is a leakRun.want for an error path whose exit code is not the point.
const anyExit = -2

func ok(name string, args ...string) leakRun { return leakRun{name: name, args: args} }

func exits(code int, name string, args ...string) leakRun {
	return leakRun{name: name, args: args, want: code}
}

func fails(name string, args ...string) leakRun { return leakRun{name: name, args: args, want: -1} }

// down is r against a cluster that cannot be reached, with a planted kubeconfig token.
func (w *leakWorld) down(r leakRun) leakRun {
	r.name += ", cluster unreachable"
	r.want = -1
	r.env = append(r.env, "KUBECONFIG="+w.files["kube-down"])
	return r
}

// forbidden is r as the developer, who has no rights in the team's Argo CD namespace here.
func (w *leakWorld) forbidden(r leakRun) leakRun {
	r.name += ", as a developer without rights"
	r.want = anyExit // some commands report what they may not see as warnings
	r.env = append(r.env, "KUBECONFIG="+env.DeveloperKubeconfig)
	return r
}

func allow(r leakRun, kinds ...string) leakRun { r.allow = kinds; return r }

// copyTo copies src to dst (in the world's work area) before the run: for commands that
// rewrite their input.
func (w *leakWorld) copyTo(src, name string) (string, func(t *testing.T)) {
	dst := filepath.Join(filepath.Dir(src), name)
	return dst, func(t *testing.T) {
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst, data, 0o600))
	}
}

func leakCases() map[string]leakCase {
	c := map[string]leakCase{
		"appset generate": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("expand", "apps/appset.yaml", "-o", "json"), fails("missing file", "apps/none.yaml")}
		}},
		"backup export": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				// Stores of their own, since backup names have a resolution of one second:
				// in the default store, a run in the same second as the world's own export
				// would stop at "already exists".
				ok("encrypted and signed", "--encrypt-to", w.vals["key-recipient"], "--identity", w.files["key"], "--to", "file://"+filepath.Join(w.root, "store-signed")),
				fails("identity not among the recipients", "--encrypt-to", w.vals["key-recipient"], "--identity", w.files["other"]),
				fails("no recipients"),
				w.down(ok("", "--encrypt-to", w.vals["key-recipient"], "--to", "file://"+filepath.Join(w.root, "store-down"))),
				fails("S3 store not answering, credentials in the environment", "--encrypt-to", w.vals["key-recipient"], "--to", "s3://b?endpoint=http://"+w.vals["closed"]+"&use_path_style=true&region=x"),
			}
		}},
		"backup list": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("default store"), fails("S3 store not answering", "--from", "s3://b?endpoint=http://"+w.vals["closed"]+"&use_path_style=true&region=x")}
		}},
		"backup show": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("", w.vals["backup"], "-o", "json"), fails("no such backup", "argocd-backup-20000101T000000Z")}
		}},
		"backup verify": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				ok("with the identity", w.vals["backup"], "--identity", w.files["key"], "--require-signature"),
				fails("wrong identity", w.vals["backup"], "--identity", w.files["other"]),
				fails("not a key", w.vals["backup"], "--identity", w.files["garbage-key"]),
			}
		}},
		"backup diff": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				{name: "live, a Secret changed since", args: []string{w.vals["backup"], "--live", "--identity", w.files["key"], "-o", "json"}, want: 1,
					prepare: w.changeRepoSecret},
				fails("wrong identity", w.vals["backup"], "--live", "--identity", w.files["other"]),
				w.down(ok("", w.vals["backup"], "--live", "--identity", w.files["key"])),
			}
		}},
		"backup restore": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				ok("dry run", w.vals["backup"], "--identity", w.files["key"], "--dry-run=client", "-o", "yaml"),
				ok("overwrite", w.vals["backup"], "--identity", w.files["key"], "--overwrite", "--require-signature"),
				fails("wrong identity", w.vals["backup"], "--identity", w.files["other"]),
				w.down(ok("", w.vals["backup"], "--identity", w.files["key"])),
				w.forbidden(ok("", w.vals["backup"], "--identity", w.files["key"], "--overwrite")),
			}
		}},
		"backup prune": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("dry run", "--dry-run", "--keep-last", "1"), fails("S3 store not answering", "--from", "s3://b?endpoint=http://"+w.vals["closed"]+"&use_path_style=true&region=x")}
		}},
		"backup schedule": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				ok("", "-n", "shop", "--image", "registry.example.com/k:v1", "--to", "s3://b?endpoint=https://s3.example.com&region=x", "--encrypt-to", w.vals["key-recipient"]),
				fails("bad window", "-n", "shop", "--image", "registry.example.com/k:v1", "--to", "s3://b?endpoint=https://s3.example.com&region=x", "--window", "25:00-26:00", "--encrypt-to", w.vals["key-recipient"]),
			}
		}},
		"diff": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				exits(1, "secret changed, markdown", "--base", "HEAD~1", "--head", "HEAD", "-o", "markdown", "--offline"),
				exits(1, "secret changed, json with policy", "--base", "HEAD~1", "--head", "HEAD", "-o", "json", "--policy", "--offline"),
				exits(1, "secret changed, html", "--base", "HEAD~1", "--head", "HEAD", "-o", "html", "--offline"),
				{name: "text, the change still seen", args: []string{"--base", "HEAD~1", "--head", "HEAD", "--offline"}, want: 1,
					check: func(t *testing.T, r result) {
						assert.Contains(t, r.Stdout, "[redacted] (changed)", "the Deployment's decrypted env value changed")
					}},
				{name: "without the keys", args: []string{"--base", "HEAD~1", "--head", "HEAD", "--offline"}, want: anyExit,
					env: []string{"GNUPGHOME=" + filepath.Join(w.root, "none")}},
				fails("unknown base", "--base", "nosuchref"),
			}
		}},
		"render": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				{name: "yaml, keys from the GnuPG home, the chart fetched into the cache", check: func(t *testing.T, r result) {
					assert.Contains(t, r.Stdout, "[redacted]", "the sops values were decrypted, and redacted")
					charts, err := os.ReadDir(filepath.Join(w.root, "cache", "ck8sargo", "charts"))
					require.NoError(t, err)
					assert.NotEmpty(t, charts, "the chart cache, under XDG_CACHE_HOME, is searched")
				}},
				ok("json", "-o", "json", "--offline"),
				ok("not decrypted", "--no-decrypt", "--offline"),
				{name: "a wrong key in the environment", args: []string{"--offline"}, want: anyExit, env: []string{"SOPS_AGE_KEY_FILE=" + w.files["other"], "GNUPGHOME=" + filepath.Join(w.root, "none")}},
			}
		}},
		"golive": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				exits(1, "live, with the backup", ".", "--live", "--backup-url", "file://"+filepath.Join(w.root, "data/ck8sargo/backups"), "-o", "json", "--offline"),
				w.down(ok("", ".", "--live", "--offline")),
			}
		}},
		"doctor": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				exits(1, "every check", "--repo", ".", "--backup-url", "file://"+filepath.Join(w.root, "data/ck8sargo/backups"), "-o", "json"),
				exits(1, "text", "--repo", "."),
				{name: "fix, without asking", args: []string{"--repo", ".", "--fix", "--yes"}, want: anyExit},
				w.down(ok("")),
				w.forbidden(ok("", "--repo", ".")),
			}
		}},
		"namespace create": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{fails("no HNC", "lk-child", "--parent", "shop", "--wait=0"), w.down(ok("", "lk-child", "--parent", "shop"))}
		}},
		"namespace delete": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{fails("no HNC", "lk-child", "--parent", "shop", "--yes"), w.down(ok("", "lk-child", "--parent", "shop", "--yes"))}
		}},
		"namespace list": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("", "-o", "json"), w.down(ok(""))}
		}},
		"namespace wait": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("managed", "shop", "--timeout", "5s"), w.down(ok("", "shop", "--timeout", "2s"))}
		}},
		"notify catalog": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("install, dry run", "--install", "--dry-run=client", "-o", "yaml"), ok("install", "--install", "-o", "json"), w.down(ok("", "--install"))}
		}},
		"notify lint": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				ok("live", "-o", "json"),
				ok("files", "--config-map", w.files["notify-cm"], "--secret", w.files["notify-secret"], w.files["notify-app"], "-o", "sarif"),
				fails("a Secret file with an unknown alias", "--config-map", w.files["notify-cm"], "--secret", w.files["broken-secret"]),
				fails("a Secret file not base64", "--config-map", w.files["notify-cm"], "--secret", w.files["broken-b64"]),
				w.down(ok("")),
			}
		}},
		"notify service list": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("", "-o", "json"), w.down(ok(""))}
		}},
		"notify service remove": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("dry run", "hook", "--dry-run=client", "-o", "yaml"), fails("no such service", "nosuch"), w.down(ok("", "hook"))}
		}},
		"notify subscribe": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				ok("live", "shop", "--service", "hook", "--trigger", "on-lk", "--recipient", "ops", "-o", "yaml"),
				fails("unknown trigger", "shop", "--service", "hook", "--trigger", "on-none", "--recipient", "ops"),
				w.down(ok("", "shop", "--service", "hook", "--trigger", "on-lk", "--recipient", "ops")),
			}
		}},
		"notify unsubscribe": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("live", "shop", "--service", "hook", "--trigger", "on-lk", "--recipient", "ops", "-o", "yaml"), w.down(ok("", "shop", "--service", "hook", "--trigger", "on-lk"))}
		}},
		"notify test": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				{name: "live, sent", args: []string{"shop", "--send", "-o", "json"}, check: func(t *testing.T, r result) {
					w.hookMu.Lock()
					defer w.hookMu.Unlock()
					assert.Contains(t, w.hookAuth, w.marks["notify-secret"], "the webhook got the Secret's value: the run used it")
				}},
				ok("files", "-f", w.files["notify-app"], "--config-map", w.files["notify-cm"], "--secret", w.files["notify-secret"]),
				exits(1, "files, the webhook not answering", "-f", w.files["notify-app"], "--config-map", w.files["notify-cm-down"], "--secret", w.files["notify-secret"], "--send"),
				fails("a Secret file with a list value", "-f", w.files["notify-app"], "--config-map", w.files["notify-cm"], "--secret", w.files["broken-type"]),
				w.down(ok("", "shop")),
			}
		}},
		"policy check": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				exits(1, "repository, live", ".", "--live", "-o", "json", "--offline"),
				exits(1, "sarif", ".", "-o", "sarif", "--offline"),
				exits(1, "with the wrong key only", ".", "--identity", w.files["other"], "--offline"),
				{name: "a Secret on stdin", args: []string{"-", "-o", "json"}, stdin: string(must(os.ReadFile(w.files["sealed-secret"]))), want: 1},
				fails("broken Secret manifests", w.files["broken-secret"], w.files["broken-b64"], w.files["broken-type"]),
				w.down(ok("", ".", "--live", "--offline")),
			}
		}},
		"profile discover": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("", "-o", "yaml"), w.forbidden(ok("", "-o", "yaml")), w.down(ok("")),
				fails("a token flag for a server that is down", "--server", "https://"+w.vals["closed"], "--token", w.mark("token-flag"))}
		}},
		"profile init": {runs: func(w *leakWorld) []leakRun {
			out := filepath.Join(w.root, "out", "profile.yaml")
			return []leakRun{ok("discovered", "--discover", "--file", out, "--force"), w.down(ok("", "--discover", "--file", out, "--force"))}
		}},
		"profile show": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("", "-o", "json"), fails("missing profile", "--profile", "none.yaml")}
		}},
		"secrets decrypt": {runs: func(w *leakWorld) []leakRun {
			out := filepath.Join(w.root, "out", "plain.yaml")
			r := allow(ok("stdout, age identity", w.files["sops"], "--identity", w.files["key"]), "sops-value-new", "sops-nested")
			o := ok("--output", w.files["sops"], "--identity", w.files["key"], "--output", out)
			o.secretFiles = []string{out}
			gpg := allow(ok("the GnuPG home", w.files["sops"]), "sops-value-new", "sops-nested")
			return []leakRun{r, o, gpg,
				fails("wrong identity", w.files["sops"], "--identity", w.files["other"]),
				fails("not a key", w.files["sops"], "--identity", w.files["garbage-key"]),
				{name: "wrong key in SOPS_AGE_KEY_FILE, no GnuPG home", args: []string{w.files["sops"]}, want: -1, env: []string{"SOPS_AGE_KEY_FILE=" + w.files["other"], "GNUPGHOME=" + filepath.Join(w.root, "none")}},
			}
		}},
		"secrets encrypt": {runs: func(w *leakWorld) []leakRun {
			inplace, prep := w.copyTo(w.files["plain"], "inplace.yaml")
			ip := ok("in place", "--in-place", "--age", w.vals["key-recipient"], inplace)
			ip.prepare = prep
			return []leakRun{
				ok("stdout", "--age", w.vals["key-recipient"], w.files["plain"]),
				ip,
				fails("bad recipient", "--age", "age1bogus", w.files["plain"]),
				fails("an unknown YAML alias", "--age", w.vals["key-recipient"], w.files["broken-alias"]),
				fails("fingerprint without its key", "--pgp", "0123456789ABCDEF0123456789ABCDEF01234567", w.files["plain"]),
			}
		}},
		"secrets edit": {runs: func(w *leakWorld) []leakRun {
			file, prep := w.copyTo(w.files["sops"], "secrets.edit.yaml")
			e := ok("the editor changes a value", file, "--identity", w.files["key"])
			e.env, e.prepare = []string{"EDITOR=" + w.files["editor"]}, prep
			e.check = func(t *testing.T, r result) {
				seen, err := os.ReadFile(w.files["edit-seen"])
				require.NoError(t, err, "the editor ran")
				mode, plain, _ := strings.Cut(strings.TrimSpace(string(seen)), " ")
				assert.Equal(t, "600", mode, "the plaintext %s is 0600", plain)
				assert.NoFileExists(t, plain, "the plaintext is removed")
				assert.NoDirExists(t, filepath.Dir(plain), "and its private directory")
			}
			f := fails("the editor fails", file, "--identity", w.files["key"])
			f.env = []string{"EDITOR=false"}
			g := fails("wrong identity", file, "--identity", w.files["other"])
			g.env = []string{"EDITOR=" + w.files["editor"]}
			return []leakRun{e, f, g}
		}},
		"secrets rotate": {runs: func(w *leakWorld) []leakRun {
			file, prep := w.copyTo(w.files["sops"], "secrets.rotate.yaml")
			r := ok("", "--identity", w.files["pgp"], "--public-key", w.files["pgp-public"], file)
			r.prepare = prep
			return []leakRun{r, fails("wrong identity", "--identity", w.files["other"], file)}
		}},
		"secrets updatekeys": {runs: func(w *leakWorld) []leakRun {
			file, prep := w.copyTo(w.files["sops"], "secrets.updatekeys.yaml")
			r := ok("", "--identity", w.files["key"], "--public-key", w.files["pgp-public"], file)
			r.prepare = prep
			// Recipients that the file is not encrypted for: the data key must be opened.
			other := w.writeFile("out/sops-other.yaml", "creation_rules:\n  - age: "+w.vals["leaked-recipient"]+"\n")
			return []leakRun{r, fails("wrong identity", "--identity", w.files["other"], "--sops-config", other, file)}
		}},
		"secrets status": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{ok("", w.files["sops"], "-o", "json"), ok("a plaintext file", w.files["plain"]), fails("missing", "none.yaml"), {name: "an unknown YAML alias", args: []string{w.files["broken-alias"]}, want: anyExit}}
		}},
		"secrets init": {runs: func(w *leakWorld) []leakRun {
			out := filepath.Join(w.root, "out", ".sops.yaml")
			return []leakRun{
				ok("from the private key file", "--key", w.files["key"], "--file", out),
				ok("from the OpenPGP private key", "--key", w.files["pgp"], "--file", out, "--path-regex", "x"),
				fails("not a key", "--key", w.files["garbage-key"], "--file", out),
			}
		}},
		"secrets keygen": {runs: func(w *leakWorld) []leakRun {
			dir := filepath.Join(w.root, "out", "keys")
			age := ok("age", "--type", "age", "--out", dir, "-o", "json")
			age.secretFiles = []string{filepath.Join(dir, "key.txt")}
			age.check = w.keyNotPrinted(filepath.Join(dir, "key.txt"))
			pgp := ok("pgp", "--type", "pgp", "--algorithm", "ed25519", "--out", dir)
			pgp.secretFiles = []string{filepath.Join(dir, "private.asc")}
			pgp.check = w.keyNotPrinted(filepath.Join(dir, "private.asc"))
			again := fails("exists already", "--type", "age", "--out", dir)
			again.check = w.keyNotPrinted(filepath.Join(dir, "key.txt"))
			return []leakRun{age, pgp, again}
		}},
		"secrets key-secret": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				allow(ok("printed for review", "--private-key", w.files["pgp"], "-o", "yaml"), "pgp-key"),
				ok("applied", "--private-key", w.files["pgp"], "--apply"),
				ok("age key, server dry run", "--private-key", w.files["key"], "--apply", "--dry-run=server"),
				fails("a public key", "--private-key", w.files["pgp-public"], "--apply"),
				fails("not a key", "--private-key", w.files["garbage-key"], "--apply"),
				w.down(ok("", "--private-key", w.files["pgp"], "--apply")),
				w.forbidden(ok("", "--private-key", w.files["pgp"], "--apply")),
			}
		}},
		"secrets vals-secret": {runs: func(w *leakWorld) []leakRun {
			addr := w.vals["vault"]
			return []leakRun{
				allow(ok("printed for review", "--addr", addr, "--token-file", w.files["vault-token"], "-o", "yaml"), "vault-token"),
				ok("applied", "--addr", addr, "--token-file", w.files["vault-token"], "--apply"),
				ok("approle, applied", "--addr", addr, "--auth-method", "approle", "--role-id", "r1", "--secret-id-file", w.files["vault-secret-id"], "--apply"),
				fails("a token ending in a newline", "--addr", addr, "--token-file", w.files["vault-token-nl"], "-o", "yaml"),
				{name: "token on stdin, applied", args: []string{"--addr", addr, "--token-file", "-", "--apply"}, stdin: w.mark("vault-stdin-token")},
				{name: "token on stdin ending in a newline", args: []string{"--addr", addr, "--token-file", "-", "--apply"}, stdin: w.mark("vault-stdin-token-nl") + "\n", want: -1},
				w.down(ok("", "--addr", addr, "--token-file", w.files["vault-token"], "--apply")),
				w.forbidden(ok("", "--addr", addr, "--token-file", w.files["vault-token"], "--apply")),
			}
		}},
		"secrets vals-check": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				ok("found", w.files["app"], "--vault-addr", w.vals["vault"], "--token-file", w.files["vault-token"], "-o", "json"),
				exits(1, "denied", w.files["app"], "--vault-addr", w.vals["vault"], "--token-file", w.files["vault-bad-token"]),
				exits(1, "token from the environment, denied", w.files["app"], "--vault-addr", w.vals["vault"]),
				exits(1, "Vault not answering", w.files["app"], "--vault-addr", "http://"+w.vals["closed"], "--token-file", w.files["vault-token"]),
				fails("token ending in a newline", w.files["app"], "--vault-addr", w.vals["vault"], "--token-file", w.files["vault-token-nl"]),
			}
		}},
		"secrets scan": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{exits(1, "the repository", "-o", "json"), exits(1, "text", "."), fails("missing path", "none"),
				{name: "broken manifests", args: []string{w.files["broken-secret"], w.files["broken-b64"], w.files["broken-type"], w.files["broken-alias"]}, want: anyExit}}
		}},
		"secrets seal": {runs: func(w *leakWorld) []leakRun {
			ctrl := w.vals["controller"]
			return []leakRun{
				ok("from files and literals", "--controller-url", ctrl, "--name", "db", "-n", "shop", "--from-file", "password="+w.files["sealed-pw"], "--from-literal", "user="+w.marks["sealed-literal"]),
				ok("a manifest", "--controller-url", ctrl, "-f", w.files["sealed-secret"], "-o", "json"),
				{name: "raw from stdin", args: []string{"--controller-url", ctrl, "--raw", "--name", "db", "-n", "shop"}, stdin: w.marks["sealed-file"]},
				fails("not a certificate", "--cert", w.files["garbage-key"], "-f", w.files["sealed-secret"]),
				fails("unknown scope", "--controller-url", ctrl, "-f", w.files["sealed-secret"], "--scope", "global"),
				fails("a literal without KEY=", "--controller-url", ctrl, "--name", "db", "-n", "shop", "--from-literal", "user:"+w.mark("sealed-literal-bad")),
				fails("an unknown YAML alias", "--controller-url", ctrl, "-f", w.files["broken-secret"]),
				fails("data not base64", "--controller-url", ctrl, "-f", w.files["broken-b64"]),
				fails("a list where a string belongs", "--controller-url", ctrl, "-f", w.files["broken-type"]),
				w.down(ok("", "-f", w.files["sealed-secret"])),
			}
		}},
		"secrets reseal": {runs: func(w *leakWorld) []leakRun {
			file, prep := w.copyTo(w.files["sealed"], "reseal.yaml")
			r := ok("", "--controller-url", w.vals["controller"], file)
			r.prepare = prep
			return []leakRun{r, w.down(ok("", file))}
		}},
		"secrets verify-sealed": {runs: func(w *leakWorld) []leakRun {
			return []leakRun{
				ok("", "--controller-url", w.vals["controller"], w.files["sealed"]),
				exits(1, "renamed", "--controller-url", w.vals["controller"], w.files["sealed-renamed"], "-o", "json"),
				w.down(ok("", w.files["sealed"])),
			}
		}},
		"secrets wire": {runs: func(w *leakWorld) []leakRun {
			file, prep := w.copyTo(w.files["app"], "wire.yaml")
			r := ok("", file, "--values-file", "secrets.other.yaml", "--vals", "pw=vault:secret/shop/db#password")
			r.prepare = prep
			return []leakRun{r, ok("dry run", w.files["app"], "--values-file", "x.yaml", "--dry-run"), fails("no such Application", file, "--app", "none", "--values-file", "x.yaml")}
		}},
	}
	for _, path := range serviceAddCommands() {
		c[path] = leakCase{runs: func(w *leakWorld) []leakRun { return w.serviceAdd(path) }}
	}
	return c
}

// changeRepoSecret changes the repository Secret's password in the cluster, so that a
// diff with the backup has a Secret value to not show.
func (w *leakWorld) changeRepoSecret(t *testing.T) {
	ctx := context.Background()
	secrets := env.AdminClient.CoreV1().Secrets(w.vals["ns"])
	s, err := secrets.Get(ctx, "repo-shop", metav1.GetOptions{})
	require.NoError(t, err)
	s.Data["password"] = []byte(w.mark("repo-password-new"))
	_, err = secrets.Update(ctx, s, metav1.UpdateOptions{})
	require.NoError(t, err)
}

// keyNotPrinted checks that the private key keygen wrote is in neither output.
func (w *leakWorld) keyNotPrinted(file string) func(t *testing.T, r result) {
	return func(t *testing.T, r result) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, line := range strings.Split(string(data), "\n") {
			if len(line) >= 40 && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "-----") {
				assert.NotContains(t, r.Stdout, line, "LEAK: keygen printed its private key")
				assert.NotContains(t, r.Stderr, line, "LEAK: keygen printed its private key")
			}
		}
	}
}

func serviceAddCommands() []string {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	c, _, err := cli.NewRootCmd(streams).Find([]string{"notify", "service", "add"})
	if err != nil {
		panic(err)
	}
	var out []string
	for _, sub := range c.Commands() {
		if sub.Runnable() && sub.Name() != "help" {
			out = append(out, "notify service add "+sub.Name())
		}
	}
	return out
}

// secretFileFlag says whether a flag of a notify service add command names a file whose
// content is a credential: --*-file and --secret-header (NAME=FILE). --key-file-path is
// a path inside the controller, never read.
func secretFileFlag(f *pflag.Flag) bool {
	return strings.HasSuffix(f.Name, "-file") || f.Name == "secret-header"
}

// serviceAdd builds the runs of one notify service add command from its first example,
// with every credential file flag (those of the example and the rest) given a file that
// holds a planted value: so a new service type is covered without editing this test.
func (w *leakWorld) serviceAdd(path string) []leakRun {
	typ := strings.TrimPrefix(path, "notify service add ")
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	cmd, _, err := cli.NewRootCmd(streams).Find(strings.Fields(path))
	if err != nil {
		panic(err)
	}
	args := exampleArgs(cmd, path)
	seen := map[string]bool{}
	for i := 0; i < len(args)-1; i++ {
		name := strings.TrimPrefix(args[i], "--")
		f := cmd.Flags().Lookup(name)
		if f == nil || !secretFileFlag(f) {
			continue
		}
		seen[name] = true
		prefix := ""
		if k, _, found := strings.Cut(args[i+1], "="); found {
			prefix = k + "="
		}
		args[i+1] = prefix + w.credentialFile(typ, name)
		i++
	}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !secretFileFlag(f) || seen[f.Name] || exclusiveFileFlag(typ, f.Name) {
			return
		}
		prefix := ""
		if strings.Contains(f.Usage, "=FILE") {
			prefix = "extra="
		}
		args = append(args, "--"+f.Name, prefix+w.credentialFile(typ, f.Name))
	})
	args = append(args, "--force")
	return []leakRun{
		ok("dry run, printed", append(cloneArgs(args), "--dry-run=client", "-o", "yaml")...),
		ok("applied", append(cloneArgs(args), "-o", "json")...),
		w.down(ok("", args...)),
		w.forbidden(ok("", args...)),
	}
}

func cloneArgs(s []string) []string { return append([]string(nil), s...) }

// exclusiveFileFlag names the credential flags that cannot be given with the example's
// (one login method of several).
func exclusiveFileFlag(typ, flag string) bool {
	return typ == "nats" && flag == "nkey-file"
}

// credentialFile writes a file with a planted credential for one flag: a PEM key where one
// is expected, a URL for webhooks, else a token.
func (w *leakWorld) credentialFile(typ, flag string) string {
	kind := "notify-" + typ + "-" + flag
	switch {
	case flag == "private-key-file":
		return w.files["github-pem"]
	case typ == "teams-workflows":
		return w.writeFile("inputs/notify/"+kind, "https://api.powerautomate.com/workflows/"+w.mark(kind))
	case strings.Contains(flag, "webhook"):
		return w.writeFile("inputs/notify/"+kind, "https://hooks.example.com/"+w.mark(kind))
	}
	return w.writeFile("inputs/notify/"+kind, w.mark(kind))
}

func (w *leakWorld) writeFile(name, content string) string {
	p := filepath.Join(w.root, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		panic(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		panic(err)
	}
	return p
}

// exampleArgs are the arguments after the command in the first example of cmd.
func exampleArgs(cmd *cobra.Command, path string) []string {
	var joined []string
	lines := strings.Split(cmd.Example, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.Contains(l, "ck8sargo "+path) {
			continue
		}
		for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, "\\") + " " + strings.TrimSpace(lines[i])
		}
		_, rest, _ := strings.Cut(l, "ck8sargo "+path)
		joined = strings.Fields(rest)
		break
	}
	return joined
}
