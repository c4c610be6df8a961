package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/editspace"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// sopsPlanted are values that only `secrets decrypt` may print.
const (
	sopsPlantedPassword = "planted-sops-pw-5e21"
	sopsPlantedToken    = "planted-sops-token-88af"
)

// runSopsCmd runs a command line of the plugin as main would, with the environment of the
// test (no SOPS_* or GNUPGHOME of the machine: see isolateSopsEnv).
func runSopsCmd(t *testing.T, args ...string) cmdResult {
	t.Helper()
	return runArgs(args...)
}

// isolateSopsEnv keeps the machine's keys out of the test: no sops variables, a HOME and
// GNUPGHOME of the test's own.
func isolateSopsEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GNUPGHOME", filepath.Join(home, "no-gnupg"))
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	t.Setenv("SOPS_AGE_KEY", "")
	t.Setenv("TMPDIR", filepath.Join(home, "tmp"))
	require.NoError(t, os.MkdirAll(filepath.Join(home, "tmp"), 0o700))
	return home
}

// sopsRepo is a git repository with an age key, a .sops.yaml for it, and a values file in
// plaintext, as the platform's flow starts.
type sopsRepo struct {
	dir, keyFile, recipient, values string
}

func newSopsRepo(t *testing.T) sopsRepo {
	t.Helper()
	isolateSopsEnv(t)
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "chart"), 0o755))
	keys := t.TempDir()
	r := runSopsCmd(t, "secrets", "keygen", "--type", "age", "--out", keys, "-o", "json")
	require.Equal(t, 0, r.code, r.all())
	var kg map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &kg))
	r = runSopsCmd(t, "secrets", "init", "--key", kg["publicKeyFile"], "--path-regex", `secrets.*\.yaml$`, "--file", filepath.Join(dir, "chart", ".sops.yaml"))
	require.Equal(t, 0, r.code, r.all())
	values := filepath.Join(dir, "chart", "secrets.yaml")
	require.NoError(t, os.WriteFile(values, []byte("db:\n    password: "+sopsPlantedPassword+"\ntoken: "+sopsPlantedToken+"\n"), 0o644))
	return sopsRepo{dir: dir, keyFile: kg["privateKeyFile"], recipient: kg["recipient"], values: values}
}

// encryptedSopsRepo is newSopsRepo with its values file encrypted in place by the plugin,
// and the encrypted text.
func encryptedSopsRepo(t *testing.T) (sopsRepo, []byte) {
	t.Helper()
	repo := newSopsRepo(t)
	r := runSopsCmd(t, "secrets", "encrypt", "--in-place", repo.values)
	require.Equal(t, 0, r.code, r.all())
	enc, err := os.ReadFile(repo.values)
	require.NoError(t, err)
	return repo, enc
}

// ageKeygen makes an age key with the plugin into dir and returns the private key file and
// its text.
func ageKeygen(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	r := runSopsCmd(t, "secrets", "keygen", "--type", "age", "--out", dir)
	require.Equal(t, 0, r.code, r.all())
	keyFile := filepath.Join(dir, "key.txt")
	key, err := os.ReadFile(keyFile)
	require.NoError(t, err)
	return keyFile, key
}

// isolatePGPEnv is isolateSopsEnv with a GnuPG home of its own, whose gpg-agent is stopped
// when the test ends. It returns the home directory and GNUPGHOME, which exists.
func isolatePGPEnv(t *testing.T) (home, gnupg string) {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Fatalf("gpg is missing: install the Debian package gnupg")
	}
	home = isolateSopsEnv(t)
	// A short path: gpg-agent's socket must fit in 108 bytes.
	gnupg, err := os.MkdirTemp("/tmp", "gnupg")
	require.NoError(t, err)
	t.Setenv("GNUPGHOME", gnupg)
	t.Cleanup(func() {
		kill := exec.Command("gpgconf", "--kill", "all")
		kill.Env = append(os.Environ(), "GNUPGHOME="+gnupg)
		_ = kill.Run()
		os.RemoveAll(gnupg)
	})
	return home, gnupg
}

func TestSecretsSopsFlow_endToEndWithoutPrintingSecrets(t *testing.T) {
	repo := newSopsRepo(t)
	t.Chdir(repo.dir)
	var runs []cmdResult
	run := func(args ...string) cmdResult {
		r := runSopsCmd(t, args...)
		runs = append(runs, r)
		return r
	}

	r := run("secrets", "scan")
	assert.Equal(t, ExitFindings, r.code, "the plaintext values file is refused before it is encrypted")
	assert.Contains(t, r.stdout, "chart/secrets.yaml:1: unencrypted-secrets-file")

	r = run("secrets", "encrypt", "--in-place", repo.values)
	require.Equal(t, 0, r.code, r.all())
	enc, err := os.ReadFile(repo.values)
	require.NoError(t, err)
	assert.NotContains(t, string(enc), sopsPlantedPassword)

	r = run("secrets", "scan", "chart")
	assert.Equal(t, 0, r.code, "encrypted files pass: %s", r.all())

	r = run("secrets", "status", repo.values, "-o", "json")
	require.Equal(t, 0, r.code, r.all())
	var st []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	assert.Equal(t, true, st[0]["encrypted"])
	assert.Equal(t, true, st[0]["recipientsMatch"])

	r = run("secrets", "status", repo.values)
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stdout, "age:"+repo.recipient)

	r = run("secrets", "decrypt", repo.values, "--identity", repo.keyFile)
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stdout, sopsPlantedPassword, "decrypt is the one command that prints values")
	decrypted := r.stdout
	runs = runs[:len(runs)-1]

	out := filepath.Join(t.TempDir(), "plain.yaml")
	r = run("secrets", "decrypt", repo.values, "--identity", repo.keyFile, "--output", out)
	require.Equal(t, 0, r.code, r.all())
	fi, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, decrypted, string(got))

	t.Setenv("SOPS_AGE_KEY_FILE", repo.keyFile)
	r = run("secrets", "rotate", repo.values)
	require.Equal(t, 0, r.code, r.all())
	r = run("secrets", "updatekeys", repo.values)
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stdout, "recipients already match")

	app := filepath.Join(repo.dir, "app.yaml")
	require.NoError(t, os.WriteFile(app, []byte("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\nspec:\n  source:\n    path: chart\n    helm:\n      valueFiles:\n        - values.yaml\n"), 0o644))
	r = run("secrets", "wire", app, "--values-file", "secrets.yaml", "--vals", "password=vault:secret/data/shop#password")
	require.Equal(t, 0, r.code, r.all())
	wired, err := os.ReadFile(app)
	require.NoError(t, err)
	assert.Contains(t, string(wired), "        - values.yaml\n        - secrets://secrets.yaml\n")
	assert.Contains(t, string(wired), "path: secrets+literal://vals!ref+vault://secret/data/shop#/password")

	key, err := os.ReadFile(repo.keyFile)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(repo.dir, "key.txt"), key, 0o600))
	r = run("secrets", "scan")
	assert.Equal(t, ExitFindings, r.code, "a key file committed by mistake is found")
	assert.Contains(t, r.stdout, "private-key")

	secretKey := strings.TrimSpace(string(key)[strings.Index(string(key), "AGE-SECRET-KEY-"):])
	for _, r := range runs {
		for _, v := range []string{sopsPlantedPassword, sopsPlantedToken, secretKey} {
			assert.NotContains(t, r.all(), v)
		}
	}
}

func TestSecretsSops_badInputIsOneLineExit2AndLeavesTheFile(t *testing.T) {
	repo, enc := encryptedSopsRepo(t)
	other := t.TempDir()
	otherKey, _ := ageKeygen(t, other)

	write := func(name, content string) string {
		p := filepath.Join(filepath.Dir(repo.values), name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	tampered := write("secrets.tampered.yaml", strings.Replace(string(enc), "lastmodified: \"", "lastmodified: \"1", 1))
	truncated := write("secrets.truncated.yaml", string(enc)[:len(enc)*2/3])
	tests := []struct {
		name string
		args []string
		file string
		want string
	}{
		{"wrong key", []string{"decrypt", repo.values, "--identity", otherKey}, repo.values, "none of the keys given can decrypt it"},
		{"wrong key for edit", []string{"edit", repo.values, "--identity", otherKey}, repo.values, "none of the keys given can decrypt it"},
		{"MAC mismatch", []string{"decrypt", tampered, "--identity", repo.keyFile}, tampered, ""},
		{"truncated file", []string{"decrypt", truncated, "--identity", repo.keyFile}, truncated, "secrets.truncated.yaml"},
		{"truncated file in rotate", []string{"rotate", truncated, "--identity", repo.keyFile}, truncated, "secrets.truncated.yaml"},
		{"an identity that is no key", []string{"decrypt", repo.values, "--identity", repo.values}, repo.values, "--identity"},
		{"a missing file", []string{"decrypt", "nope.yaml", "--identity", repo.keyFile}, repo.values, "nope.yaml"},
		{"encrypting twice", []string{"encrypt", "--in-place", repo.values}, repo.values, "already encrypted"},
		{"key-secret with a public key", []string{"key-secret", "--private-key", filepath.Join(other, "recipient.txt"), "-o", "yaml"}, repo.values, "--private-key"},
		{"keygen without type", []string{"keygen"}, repo.values, "--type is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := os.ReadFile(tt.file)
			require.NoError(t, err)
			r := runSopsCmd(t, append([]string{"secrets"}, tt.args...)...)
			assert.Equal(t, ExitError, r.code, r.all())
			assert.NotEmpty(t, r.msg)
			assert.NotContains(t, r.msg, "\n")
			assert.Contains(t, r.msg, tt.want)
			assert.NotContains(t, r.all(), sopsPlantedPassword)
			after, err := os.ReadFile(tt.file)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the input file is untouched")
		})
	}
}

func TestSecretsEdit_reencryptsOnlyChangesAndRemovesThePlaintext(t *testing.T) {
	repo, before := encryptedSopsRepo(t)
	scripts := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(scripts, name)
		require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
		return p
	}
	seen := filepath.Join(scripts, "seen")
	tmpdir := os.Getenv("TMPDIR")

	t.Run("unchanged text writes nothing", func(t *testing.T) {
		t.Setenv("EDITOR", script("noop", `stat -c %a "$1" > `+seen))
		r := runSopsCmd(t, "secrets", "edit", repo.values, "--identity", repo.keyFile)
		require.Equal(t, 0, r.code, r.all())
		assert.Contains(t, r.stdout, "no change")
		after, _ := os.ReadFile(repo.values)
		assert.Equal(t, before, after)
		mode, _ := os.ReadFile(seen)
		assert.Equal(t, "600\n", string(mode), "the plaintext is 0600 while the editor has it")
	})
	t.Run("a failing editor writes nothing", func(t *testing.T) {
		t.Setenv("EDITOR", script("fail", `echo changed >> "$1"; exit 3`))
		r := runSopsCmd(t, "secrets", "edit", repo.values, "--identity", repo.keyFile)
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.msg, "left as it was")
		after, _ := os.ReadFile(repo.values)
		assert.Equal(t, before, after)
	})
	t.Run("a change is re-encrypted", func(t *testing.T) {
		t.Setenv("EDITOR", script("edit", `sed -i 's/^token: .*/token: rotated-token/' "$1"`))
		r := runSopsCmd(t, "secrets", "edit", repo.values, "--identity", repo.keyFile)
		require.Equal(t, 0, r.code, r.all())
		assert.NotContains(t, r.all(), sopsPlantedPassword)
		assert.NotContains(t, r.all(), "rotated-token")
		after, _ := os.ReadFile(repo.values)
		assert.NotContains(t, string(after), "rotated-token")
		r = runSopsCmd(t, "secrets", "decrypt", repo.values, "--identity", repo.keyFile)
		assert.Contains(t, r.stdout, "token: rotated-token")
		assert.Contains(t, r.stdout, sopsPlantedPassword)
	})
	left, err := os.ReadDir(tmpdir)
	require.NoError(t, err)
	assert.Empty(t, left, "no temporary plaintext is left behind")
	for _, d := range editspace.DefaultDirs() {
		mine, err := filepath.Glob(filepath.Join(d, editspace.Prefix+strconv.Itoa(os.Getpid())+"-*"))
		require.NoError(t, err)
		assert.Empty(t, mine, "no temporary plaintext is left behind in %s", d)
	}
}

func TestSecretsKeygen_pgpJSONAndFiles(t *testing.T) {
	isolateSopsEnv(t)
	dir := t.TempDir()
	r := runSopsCmd(t, "secrets", "keygen", "--type", "pgp", "--algorithm", "ed25519", "--out", dir, "-o", "json")
	require.Equal(t, 0, r.code, r.all())
	var got map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, "pgp", got["type"])
	assert.Regexp(t, `^[0-9A-F]{40}$`, got["fingerprint"])
	assert.Equal(t, filepath.Join(dir, "private.asc"), got["privateKeyFile"])
	assert.Equal(t, filepath.Join(dir, "public.asc"), got["publicKeyFile"])
	fi, err := os.Stat(got["privateKeyFile"])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.NotContains(t, r.stdout, "PRIVATE KEY")

	r = runSopsCmd(t, "secrets", "keygen", "--type", "pgp", "--algorithm", "ed25519", "--out", dir)
	assert.Equal(t, ExitError, r.code, "an existing key is not overwritten")
}

func TestSecretsKeySecret_appliedWithTheDeveloperIdentity(t *testing.T) {
	testenv.Require(t, env)
	isolateSopsEnv(t)
	ctx := context.Background()
	p := env.Profile
	keys := t.TempDir()
	keyFile, key := ageKeygen(t, keys)
	t.Cleanup(func() {
		_ = env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace).Delete(ctx, p.Features.HelmSecrets.KeySecretName, metav1.DeleteOptions{})
	})
	secretKey := strings.TrimSpace(string(key)[strings.Index(string(key), "AGE-SECRET-KEY-"):])

	r := runSopsCmd(t, "--kubeconfig", env.DeveloperKubeconfig, "secrets", "key-secret", "--private-key", keyFile, "--apply")
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stdout, "applied Secret "+p.ArgoCD.Namespace+"/"+p.Features.HelmSecrets.KeySecretName)
	assert.Contains(t, r.stderr, "no repo server pod", "says what to check when the repo server is not there")
	assert.NotContains(t, r.all(), secretKey)
	assert.NotContains(t, r.all(), base64.StdEncoding.EncodeToString(key))
	s, err := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace).Get(ctx, p.Features.HelmSecrets.KeySecretName, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, key, s.Data[p.Features.HelmSecrets.KeySecretDataKey])
	assert.Equal(t, argocdmanaged.SecretTypeHelmSecrets, s.Labels[argocdmanaged.SecretTypeLabel])

	t.Run("a Secret the developer was not granted is refused with the permission to ask for", func(t *testing.T) {
		prof := filepath.Join(t.TempDir(), "profile.yaml")
		require.NoError(t, os.WriteFile(prof, []byte("apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nfeatures:\n  helmSecrets:\n    keySecretName: someone-elses-keys\n"), 0o644))
		r := runSopsCmd(t, "--kubeconfig", env.DeveloperKubeconfig, "--profile", prof, "secrets", "key-secret", "--private-key", keyFile, "--apply")
		assert.Equal(t, ExitError, r.code, r.all())
		assert.Contains(t, r.msg, "forbidden")
		assert.Contains(t, r.msg, "ask the Platform Administrator")
		assert.NotContains(t, r.all(), secretKey)
	})
	t.Run("a server dry run stores nothing new", func(t *testing.T) {
		r := runSopsCmd(t, "--kubeconfig", env.DeveloperKubeconfig, "secrets", "key-secret", "--private-key", keyFile, "--apply", "--dry-run=server")
		require.Equal(t, 0, r.code, r.all())
		assert.Contains(t, r.stdout, "dry run")
	})
	t.Run("a server dry run with -o yaml prints the Secret the API server answered", func(t *testing.T) {
		otherKeyFile, otherKey := ageKeygen(t, t.TempDir())
		r := runSopsCmd(t, "--kubeconfig", env.DeveloperKubeconfig, "secrets", "key-secret", "--private-key", otherKeyFile, "--dry-run=server", "-o", "yaml")
		require.Equal(t, 0, r.code, r.all())
		assert.Contains(t, r.stdout, "kind: Secret")
		assert.Contains(t, r.stdout, base64.StdEncoding.EncodeToString(otherKey))
		s, err := env.AdminClient.CoreV1().Secrets(p.ArgoCD.Namespace).Get(ctx, p.Features.HelmSecrets.KeySecretName, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, key, s.Data[p.Features.HelmSecrets.KeySecretDataKey], "nothing stored")
	})
}

func TestSecretsSopsCommands_haveExamples(t *testing.T) {
	root := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &strings.Builder{}, ErrOut: &strings.Builder{}})
	for _, name := range []string{"keygen", "init", "key-secret", "encrypt", "decrypt", "edit", "updatekeys", "rotate", "status", "wire", "scan"} {
		cmd, _, err := root.Find([]string{"secrets", name})
		require.NoError(t, err, name)
		require.Equal(t, name, cmd.Name())
		assert.NotEmpty(t, cmd.Example, name)
		assert.Contains(t, cmd.Example, "kubectl ck8sargo secrets "+name, name)
	}
}

func TestSecretsScan_findsPlaintextSecretManifestsAndPrintsJSON(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: "+sopsPlantedPassword+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sealed.yaml"), []byte("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgBy3i4OJSWK\n"), 0o644))
	t.Chdir(dir)
	r := runSopsCmd(t, "secrets", "scan", "-o", "json")
	assert.Equal(t, ExitFindings, r.code, r.all())
	var res struct {
		Findings []map[string]any `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	require.Len(t, res.Findings, 1, "the sealed file passes")
	assert.Equal(t, "plaintext-secret", res.Findings[0]["check"])
	assert.Equal(t, "secret.yaml", res.Findings[0]["file"])
	assert.Equal(t, float64(5), res.Findings[0]["line"])
	assert.NotContains(t, r.all(), sopsPlantedPassword)

	r = runSopsCmd(t, "secrets", "scan", "/etc/hostname")
	assert.Equal(t, ExitError, r.code, "a path outside the repository is bad input")
}
