package sealed_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/bitnami-labs/sealed-secrets/pkg/crypto"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

// BenchmarkSeal1000Secrets seals 1,000 two-key Secrets with a 4096-bit key (the
// controller's default), in process and with the real kubeseal on the same input.
func BenchmarkSeal1000Secrets(b *testing.B) {
	priv, err := rsa.GenerateKey(rand.Reader, 4096)
	require.NoError(b, err)
	c, err := crypto.SignKeyWithNotBefore(rand.Reader, priv, time.Now().Add(-time.Hour), 24*time.Hour, "sealed-secret")
	require.NoError(b, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	cert, err := sealed.ParseCertificate(certPEM, time.Now())
	require.NoError(b, err)

	var input bytes.Buffer
	for i := range 1000 {
		s := secretWith("shop", fmt.Sprintf("secret-%04d", i), map[string][]byte{
			"username": []byte(fmt.Sprintf("user-%d", i)),
			"password": []byte(fmt.Sprintf("password-%d-%x", i, i*7919)),
		})
		doc, err := yaml.Marshal(s)
		require.NoError(b, err)
		input.WriteString("---\n")
		input.Write(doc)
	}
	dir := b.TempDir()
	certFile := filepath.Join(dir, "cert.pem")
	require.NoError(b, os.WriteFile(certFile, certPEM, 0o644))
	inFile := filepath.Join(dir, "secrets.yaml")
	require.NoError(b, os.WriteFile(inFile, input.Bytes(), 0o600))

	b.Run("ck8sargo", func(b *testing.B) {
		for b.Loop() {
			secrets, err := sealed.DecodeSecrets(input.Bytes())
			require.NoError(b, err)
			for _, s := range secrets {
				ss, err := sealed.Seal(s, cert, sealed.SealOptions{})
				require.NoError(b, err)
				_, err = sealed.EncodeSealedSecrets([]*ssv1alpha1.SealedSecret{ss}, "yaml")
				require.NoError(b, err)
			}
		}
	})
	b.Run("kubeseal", func(b *testing.B) {
		kubeseal := filepath.Join(testenv.BinDir(), "kubeseal")
		if _, err := os.Stat(kubeseal); err != nil {
			b.Fatalf("%s is missing: run `make test-bin`", kubeseal)
		}
		// kubeseal reads a kubeconfig for its defaults even with --cert: give it an empty one.
		kubeconfig := filepath.Join(dir, "kubeconfig")
		require.NoError(b, os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\n"), 0o600))
		for b.Loop() {
			f, err := os.Open(inFile)
			require.NoError(b, err)
			cmd := exec.Command(kubeseal, "--cert", certFile, "--format", "yaml")
			cmd.Stdin = f
			cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err = cmd.Run()
			f.Close()
			require.NoError(b, err, errOut.String())
			require.Equal(b, 1000, bytes.Count(out.Bytes(), []byte("kind: SealedSecret")))
		}
	})
}
