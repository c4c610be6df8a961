package sealed_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/bitnami-labs/sealed-secrets/pkg/crypto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

func secretWith(ns, name string, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Data:       data,
	}
}

func TestParseCertificate(t *testing.T) {
	now := time.Now()
	valid := newTestKey(t, now.Add(-time.Hour), 24*time.Hour)
	expired := newTestKey(t, now.Add(-48*time.Hour), 24*time.Hour)
	tests := []struct {
		name    string
		data    []byte
		wantErr func(error) bool
	}{
		{"accepts a controller certificate", valid.pem, nil},
		{"refuses an expired certificate", expired.pem, func(err error) bool { var e *sealed.ExpiredCertificateError; return errors.As(err, &e) }},
		{"refuses data that is not PEM", []byte("hello"), func(err error) bool { return errors.Is(err, sealed.ErrMalformedCertificate) }},
		{"refuses a PEM block that is not a certificate", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), func(err error) bool { return errors.Is(err, sealed.ErrMalformedCertificate) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := sealed.ParseCertificate(tt.data, now)
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, valid.priv.PublicKey.N, c.PublicKey.N)
				assert.NotEmpty(t, c.Fingerprint)
				return
			}
			require.Error(t, err)
			assert.True(t, tt.wantErr(err), err.Error())
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func unsealWith(t *testing.T, key testKey, ss *ssv1alpha1.SealedSecret) (*corev1.Secret, error) {
	t.Helper()
	fp, err := crypto.PublicKeyFingerprint(&key.priv.PublicKey)
	require.NoError(t, err)
	return ss.Unseal(scheme.Codecs, map[string]*rsa.PrivateKey{fp: key.priv})
}

func TestSealKeepsEveryByteAndBindsTheScope(t *testing.T) {
	key := newTestKey(t, time.Now().Add(-time.Hour), time.Hour*24)
	cert, err := sealed.ParseCertificate(key.pem, time.Now())
	require.NoError(t, err)
	for _, scope := range []sealed.Scope{sealed.ScopeStrict, sealed.ScopeNamespace, sealed.ScopeCluster} {
		t.Run(string(scope), func(t *testing.T) {
			in := secretWith("shop", "db", plantedValues)
			ss, err := sealed.Seal(in, cert, sealed.SealOptions{Scope: scope})
			require.NoError(t, err)
			assert.Equal(t, scope, sealed.ScopeOf(ss))
			assert.Empty(t, in.Annotations, "the input Secret is not changed")
			out, err := unsealWith(t, key, ss)
			require.NoError(t, err)
			assert.Equal(t, plantedValues, out.Data)

			moved := ss.DeepCopy()
			moved.Name = "other"
			_, err = unsealWith(t, key, moved)
			if scope == sealed.ScopeStrict {
				assert.Error(t, err, "a strict secret does not unseal under another name")
			} else {
				assert.NoError(t, err)
			}
			moved.Namespace = "elsewhere"
			_, err = unsealWith(t, key, moved)
			if scope == sealed.ScopeCluster {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err, "only a cluster-wide secret moves to another namespace")
			}
		})
	}
}

func TestSealRefusesBadInput(t *testing.T) {
	key := newTestKey(t, time.Now().Add(-time.Hour), time.Hour*24)
	cert, err := sealed.ParseCertificate(key.pem, time.Now())
	require.NoError(t, err)
	tests := []struct {
		name   string
		secret *corev1.Secret
		opts   sealed.SealOptions
		want   string
	}{
		{"no namespace for strict scope", secretWith("", "db", plantedValues), sealed.SealOptions{}, "no namespace"},
		{"no namespace for namespace-wide scope", secretWith("", "db", plantedValues), sealed.SealOptions{Scope: sealed.ScopeNamespace}, "no namespace"},
		{"no name", secretWith("shop", "", plantedValues), sealed.SealOptions{}, "no metadata.name"},
		{"no data", secretWith("shop", "db", nil), sealed.SealOptions{}, "no data"},
		{"namespace flag contradicts the manifest", secretWith("shop", "db", plantedValues), sealed.SealOptions{Namespace: "other"}, "is in namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sealed.Seal(tt.secret, cert, tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			for _, v := range plantedValues {
				assert.NotContains(t, err.Error(), string(v))
			}
		})
	}
	t.Run("cluster-wide needs no namespace", func(t *testing.T) {
		_, err := sealed.Seal(secretWith("", "db", plantedValues), cert, sealed.SealOptions{Scope: sealed.ScopeCluster})
		assert.NoError(t, err)
	})
	t.Run("namespace option fills a missing namespace", func(t *testing.T) {
		ss, err := sealed.Seal(secretWith("", "db", plantedValues), cert, sealed.SealOptions{Namespace: "shop"})
		require.NoError(t, err)
		assert.Equal(t, "shop", ss.Namespace)
	})
}

func TestSealRawDecryptsToTheExactValue(t *testing.T) {
	key := newTestKey(t, time.Now().Add(-time.Hour), time.Hour*24)
	cert, err := sealed.ParseCertificate(key.pem, time.Now())
	require.NoError(t, err)
	value := plantedValues["with-nl"]
	out, err := sealed.SealRaw(value, "shop", "db", sealed.ScopeStrict, cert)
	require.NoError(t, err)
	ct, err := base64.StdEncoding.DecodeString(out)
	require.NoError(t, err)
	fp, _ := crypto.PublicKeyFingerprint(&key.priv.PublicKey)
	plain, err := crypto.HybridDecrypt(nil, map[string]*rsa.PrivateKey{fp: key.priv}, ct, []byte("shop/db"))
	require.NoError(t, err)
	assert.Equal(t, value, plain)

	_, err = sealed.SealRaw(value, "", "db", sealed.ScopeStrict, cert)
	assert.ErrorIs(t, err, sealed.ErrNoNamespace)
}

func TestDecodeSecretsReadsEveryDocumentAndHidesValuesInErrors(t *testing.T) {
	in := "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: shop}\ndata: {k: cGxhbnRlZA==}\n---\n" +
		"apiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: shop}\nstringData: {k: \"planted\\n\"}\n"
	list, err := sealed.DecodeSecrets([]byte(in))
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []byte("planted"), list[0].Data["k"])
	assert.Equal(t, "planted\n", list[1].StringData["k"])

	_, err = sealed.DecodeSecrets([]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: 'planted-not-base64!'}\n"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "planted")

	_, err = sealed.DecodeSecrets([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"))
	assert.ErrorContains(t, err, "not a v1 Secret")
}

type countingController struct {
	sealed.Controller
	certs atomic.Int32
}

func (c *countingController) Certificate(ctx context.Context) ([]byte, error) {
	c.certs.Add(1)
	return c.Controller.Certificate(ctx)
}

type staticController struct{ pem []byte }

func (s staticController) Certificate(context.Context) ([]byte, error) { return s.pem, nil }
func (s staticController) Verify(context.Context, []byte) error        { return nil }
func (s staticController) Rotate(_ context.Context, b []byte) ([]byte, error) {
	return b, nil
}
func (s staticController) String() string { return "static controller" }

func TestCertCacheFetchesOncePerClusterAndRefusesExpired(t *testing.T) {
	dir := t.TempDir()
	key := newTestKey(t, time.Now().Add(-time.Hour), 24*time.Hour)
	cc := &countingController{Controller: staticController{pem: key.pem}}
	cache := &sealed.CertCache{Dir: dir}
	for range 3 {
		_, err := cache.Certificate(context.Background(), "cluster-a", cc)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, cc.certs.Load())
	_, err := cache.Certificate(context.Background(), "cluster-b", cc)
	require.NoError(t, err)
	assert.EqualValues(t, 2, cc.certs.Load(), "another cluster has its own entry")

	expired := newTestKey(t, time.Now().Add(-48*time.Hour), 24*time.Hour)
	_, err = cache.Certificate(context.Background(), "cluster-c", staticController{pem: expired.pem})
	var ee *sealed.ExpiredCertificateError
	require.ErrorAs(t, err, &ee)
	_, statErr := os.Stat(filepath.Join(dir, "cluster-c.pem"))
	assert.True(t, os.IsNotExist(statErr), "an expired certificate is not cached")
}

func FuzzDecodeSecrets(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: shop}\ndata: {k: cGxhbnRlZA==}\n"))
	f.Add([]byte("{\"apiVersion\":\"v1\",\"kind\":\"Secret\"}"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := sealed.DecodeSecrets(data)
		if err == nil && len(list) == 0 {
			t.Fatal("no error and no Secret")
		}
	})
}
