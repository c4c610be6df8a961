package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/bitnami-labs/sealed-secrets/pkg/crypto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/sealedtest"
	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

// runSecretsCmd runs a command line of the plugin, as main would, with the given stdin.
func runSecretsCmd(t *testing.T, stdin string, args ...string) cmdResult {
	t.Helper()
	return execute(context.Background(), stdin, args...)
}

// sealedPlanted are values that no command may ever print.
var sealedPlanted = []string{"planted-pw-7c1e", "planted-user-9d2a", "planted-raw-41b0"}

func assertNoPlanted(t *testing.T, r cmdResult) {
	t.Helper()
	for _, v := range append(sealedPlanted, valsPlanted...) {
		assert.NotContains(t, r.all(), v)
	}
}

func writeCert(t *testing.T, dir string, notBefore time.Time, validFor time.Duration) string {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	c, err := crypto.SignKeyWithNotBefore(rand.Reader, priv, notBefore, validFor, "sealed-secret")
	require.NoError(t, err)
	path := filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644))
	return path
}

func TestSecretsSeal_badInputIsOneLineExit2AndLeavesTheInput(t *testing.T) {
	dir := t.TempDir()
	good := writeCert(t, t.TempDir(), time.Now().Add(-time.Hour), 24*time.Hour)
	expired := writeCert(t, t.TempDir(), time.Now().Add(-48*time.Hour), 24*time.Hour)
	malformed := filepath.Join(dir, "bad.pem")
	require.NoError(t, os.WriteFile(malformed, []byte("not a certificate"), 0o644))
	withNS := "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData: {password: planted-pw-7c1e}\n"
	noNS := "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: planted-pw-7c1e}\n"
	tests := []struct {
		name, input, cert string
		args              []string
		want              string
	}{
		{"an expired certificate", withNS, expired, nil, "expired"},
		{"a malformed certificate", withNS, malformed, nil, "not a sealed-secrets certificate"},
		{"a Secret without namespace in strict scope", noNS, good, nil, "no namespace"},
		{"a Secret without namespace in namespace-wide scope", noNS, good, []string{"--scope", "namespace-wide"}, "no namespace"},
		{"an unknown scope", withNS, good, []string{"--scope", "global"}, "unknown scope"},
		{"not a Secret", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", good, nil, "not a v1 Secret"},
		{"broken YAML", "apiVersion: v1\nkind: Secret\nmetadata: [\n", good, nil, "not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			require.NoError(t, os.WriteFile(in, []byte(tt.input), 0o600))
			r := runSecretsCmd(t, "", append([]string{"secrets", "seal", "-f", in, "--cert", tt.cert}, tt.args...)...)
			assert.Equal(t, ExitError, r.code)
			assert.Contains(t, r.msg, tt.want)
			assert.NotContains(t, r.msg, "\n")
			assert.Empty(t, r.stdout)
			assertNoPlanted(t, r)
			after, err := os.ReadFile(in)
			require.NoError(t, err)
			assert.Equal(t, tt.input, string(after), "the input is untouched")
		})
	}
}

func TestSecretsSeal_fromFilesKeepsBytesWithCertFile(t *testing.T) {
	dir := t.TempDir()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	c, err := crypto.SignKeyWithNotBefore(rand.Reader, priv, time.Now().Add(-time.Hour), 24*time.Hour, "x")
	require.NoError(t, err)
	certFile := filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644))
	pw := filepath.Join(dir, "pw.txt")
	require.NoError(t, os.WriteFile(pw, []byte("planted-pw-7c1e\n"), 0o600))

	r := runSecretsCmd(t, "", "secrets", "seal", "--cert", certFile, "--name", "db", "-n", "shop",
		"--from-file", "password="+pw, "--from-literal", "user=planted-user-9d2a")
	require.Equal(t, ExitOK, r.code, r.msg)
	assertNoPlanted(t, r)
	list, err := sealed.DecodeSealedSecrets([]byte(r.stdout))
	require.NoError(t, err)
	fp, _ := crypto.PublicKeyFingerprint(&priv.PublicKey)
	s, err := list[0].Unseal(scheme.Codecs, map[string]*rsa.PrivateKey{fp: priv})
	require.NoError(t, err)
	assert.Equal(t, []byte("planted-pw-7c1e\n"), s.Data["password"], "the file's newline is kept, nothing added")
	assert.Equal(t, []byte("planted-user-9d2a"), s.Data["user"])
	assert.Equal(t, "shop", s.Namespace)
}

func TestSecretsSealedCommands_againstTheRealController(t *testing.T) {
	testenv.Require(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	ctrl, err := sealedtest.Start(ctx, env)
	t.Cleanup(ctrl.Stop)
	require.NoError(t, err)
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	apply := func(t *testing.T, ss *ssv1alpha1.SealedSecret) {
		data, err := json.Marshal(ss)
		require.NoError(t, err)
		var obj map[string]any
		require.NoError(t, json.Unmarshal(data, &obj))
		_, err = dyn.Resource(sealedtest.SealedSecretsResource).Namespace(ss.Namespace).Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	ns := env.Namespace(t, "cli-sealed")
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw.txt")
	require.NoError(t, os.WriteFile(pw, []byte("planted-pw-7c1e"), 0o600))
	kc := env.DeveloperKubeconfig

	// The seed's flow, in one command, as the restricted developer: the certificate comes
	// through the API server's service proxy.
	r := runSecretsCmd(t, "", "--kubeconfig", kc, "secrets", "seal", "--name", "db", "-n", ns, "--from-file", "password="+pw)
	require.Equal(t, ExitOK, r.code, r.msg)
	assertNoPlanted(t, r)
	sealedFile := filepath.Join(dir, "db.sealed.yaml")
	require.NoError(t, os.WriteFile(sealedFile, []byte(r.stdout), 0o644))
	list, err := sealed.DecodeSealedSecrets([]byte(r.stdout))
	require.NoError(t, err)
	apply(t, list[0])
	got, err := ctrl.WaitForSecret(ctx, ns, "db")
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"password": []byte("planted-pw-7c1e")}, got.Data)

	t.Run("raw value", func(t *testing.T) {
		r := runSecretsCmd(t, "planted-raw-41b0", "--kubeconfig", kc, "secrets", "seal", "--raw", "--name", "raw", "-n", ns)
		require.Equal(t, ExitOK, r.code, r.msg)
		assertNoPlanted(t, r)
		ss := &ssv1alpha1.SealedSecret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "bitnami.com/v1alpha1", Kind: "SealedSecret"},
			ObjectMeta: metav1.ObjectMeta{Name: "raw", Namespace: ns},
			Spec:       ssv1alpha1.SealedSecretSpec{EncryptedData: map[string]string{"v": strings.TrimSpace(r.stdout)}},
		}
		apply(t, ss)
		got, err := ctrl.WaitForSecret(ctx, ns, "raw")
		require.NoError(t, err)
		assert.Equal(t, []byte("planted-raw-41b0"), got.Data["v"])
	})

	t.Run("cert from a URL served by the controller", func(t *testing.T) {
		r := runSecretsCmd(t, "", "secrets", "seal", "--cert", ctrl.URL+"/v1/cert.pem", "--name", "db2", "-n", ns, "--from-file", "password="+pw)
		require.Equal(t, ExitOK, r.code, r.msg)
	})

	t.Run("verify-sealed", func(t *testing.T) {
		r := runSecretsCmd(t, "", "--kubeconfig", kc, "secrets", "verify-sealed", sealedFile)
		assert.Equal(t, ExitOK, r.code, r.msg)
		assert.Contains(t, r.stdout, "can decrypt")
		renamed := filepath.Join(dir, "renamed.yaml")
		data, err := os.ReadFile(sealedFile)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(renamed, bytes.Replace(data, []byte("name: db\n"), []byte("name: db-renamed\n"), -1), 0o644))
		r = runSecretsCmd(t, "", "--kubeconfig", kc, "secrets", "verify-sealed", renamed, "-o", "json")
		assert.Equal(t, ExitFindings, r.code, r.msg)
		assert.Contains(t, r.stdout, `"decryptable": false`)
		assertNoPlanted(t, r)
	})

	t.Run("reseal rewrites the file and it still unseals", func(t *testing.T) {
		before, err := os.ReadFile(sealedFile)
		require.NoError(t, err)
		r := runSecretsCmd(t, "", "--kubeconfig", kc, "secrets", "reseal", sealedFile)
		require.Equal(t, ExitOK, r.code, r.msg)
		assertNoPlanted(t, r)
		after, err := os.ReadFile(sealedFile)
		require.NoError(t, err)
		assert.NotEqual(t, before, after)
		r = runSecretsCmd(t, "", "--kubeconfig", kc, "secrets", "verify-sealed", sealedFile)
		assert.Equal(t, ExitOK, r.code, r.msg)
	})

	t.Run("without the service-proxy right the error names it", func(t *testing.T) {
		p := filepath.Join(dir, "profile.yaml")
		require.NoError(t, os.WriteFile(p, []byte("apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nfeatures:\n  sealedSecrets:\n    controllerNamespace: kube-system\n    controllerName: sealed-secrets-controller\n"), 0o644))
		r := runSecretsCmd(t, "", "--kubeconfig", kc, "--profile", p, "secrets", "seal", "--name", "db", "-n", ns, "--from-file", "password="+pw)
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.msg, "ask the Platform Administrator")
		assertNoPlanted(t, r)
	})
}
