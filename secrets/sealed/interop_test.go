package sealed_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv/sealedtest"
	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

// applySealed creates ss (as the cluster admin would through Argo CD) in namespace ns.
func applySealed(t *testing.T, ctx context.Context, ss *ssv1alpha1.SealedSecret) {
	t.Helper()
	data, err := json.Marshal(ss)
	require.NoError(t, err)
	var obj map[string]any
	require.NoError(t, json.Unmarshal(data, &obj))
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	_, err = dyn.Resource(sealedtest.SealedSecretsResource).Namespace(ss.Namespace).Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
	require.NoError(t, err)
}

// developerController is the controller as the restricted developer reaches it: through
// the API server's service proxy with the developer's own identity.
func developerController(t *testing.T) *sealed.ServiceProxy {
	t.Helper()
	c, err := argocdmanaged.NewClientsForConfig(env.Developer)
	require.NoError(t, err)
	return sealed.NewServiceProxy(c, env.Profile)
}

func TestControllerUnsealsWhatSealSealed(t *testing.T) {
	c := requireController(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	viaProxy, err := developerController(t).Certificate(ctx)
	require.NoError(t, err, "the certificate through the service proxy")
	viaURL, err := sealed.ReadCertificateFrom(ctx, c.URL+"/v1/cert.pem", time.Now())
	require.NoError(t, err, "the certificate from --cert URL")
	cert, err := sealed.ParseCertificate(viaProxy, time.Now())
	require.NoError(t, err)
	assert.Equal(t, viaURL.Fingerprint, cert.Fingerprint)

	tests := []struct {
		scope sealed.Scope
		// where the SealedSecret is applied, relative to where it was sealed for
		otherName, otherNamespace bool
	}{
		{scope: sealed.ScopeStrict},
		{scope: sealed.ScopeNamespace, otherName: true},
		{scope: sealed.ScopeCluster, otherName: true, otherNamespace: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.scope), func(t *testing.T) {
			ns := env.Namespace(t, "sealed")
			ss, err := sealed.Seal(secretWith(ns, "db", plantedValues), cert, sealed.SealOptions{Scope: tt.scope})
			require.NoError(t, err)
			if tt.otherName {
				ss.Name = "db-moved"
			}
			if tt.otherNamespace {
				ss.Namespace = env.Namespace(t, "sealed-other")
			}
			applySealed(t, ctx, ss)
			got, err := ctrl.WaitForSecret(ctx, ss.Namespace, ss.Name)
			require.NoError(t, err)
			assert.Equal(t, plantedValues, got.Data, "the unsealed Secret holds the input bytes exactly")

			res, err := sealed.Verify(ctx, developerController(t), ss)
			require.NoError(t, err)
			assert.True(t, res.Decryptable)
		})
	}
}

func TestControllerRefusesAStrictSecretUnderAnotherName(t *testing.T) {
	requireController(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pemData, err := developerController(t).Certificate(ctx)
	require.NoError(t, err)
	cert, err := sealed.ParseCertificate(pemData, time.Now())
	require.NoError(t, err)
	ns := env.Namespace(t, "sealed-strict")
	ss, err := sealed.Seal(secretWith(ns, "db", plantedValues), cert, sealed.SealOptions{})
	require.NoError(t, err)
	ss.Name = "db-renamed"

	res, err := sealed.Verify(ctx, developerController(t), ss)
	require.NoError(t, err)
	assert.False(t, res.Decryptable, "/v1/verify says the controller cannot decrypt it")

	applySealed(t, ctx, ss)
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)
	// The controller records its failure in the SealedSecret's status; wait for that
	// rather than for an arbitrary time.
	require.Eventually(t, func() bool {
		u, err := dyn.Resource(sealedtest.SealedSecretsResource).Namespace(ns).Get(ctx, ss.Name, metav1.GetOptions{})
		if err != nil {
			return false
		}
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Synced" && m["status"] == "False" {
				return true
			}
		}
		return false
	}, time.Minute, 200*time.Millisecond, "the controller reports that it could not unseal")
	_, err = env.AdminClient.CoreV1().Secrets(ns).Get(ctx, "db-renamed", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "no Secret was made")
}

func TestResealKeepsTheValuesAndTheManifest(t *testing.T) {
	requireController(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dev := developerController(t)
	pemData, err := dev.Certificate(ctx)
	require.NoError(t, err)
	cert, err := sealed.ParseCertificate(pemData, time.Now())
	require.NoError(t, err)
	ns := env.Namespace(t, "sealed-reseal")
	in := secretWith(ns, "api", plantedValues)
	in.Labels = map[string]string{"app": "shop"}
	ss, err := sealed.Seal(in, cert, sealed.SealOptions{})
	require.NoError(t, err)

	re, err := sealed.Reseal(ctx, dev, ss)
	require.NoError(t, err)
	assert.Equal(t, ss.ObjectMeta, re.ObjectMeta)
	assert.Equal(t, ss.Spec.Template, re.Spec.Template)
	for k := range ss.Spec.EncryptedData {
		assert.NotEqual(t, ss.Spec.EncryptedData[k], re.Spec.EncryptedData[k], "key %s is encrypted anew", k)
	}
	applySealed(t, ctx, re)
	got, err := ctrl.WaitForSecret(ctx, ns, "api")
	require.NoError(t, err)
	assert.Equal(t, plantedValues, got.Data)
	assert.Equal(t, "shop", got.Labels["app"])

	moved := ss.DeepCopy()
	moved.Name = "elsewhere"
	_, err = sealed.Reseal(ctx, dev, moved)
	assert.Error(t, err, "what the controller cannot decrypt, it cannot reseal")
}
