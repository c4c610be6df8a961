package sealed_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/bitnami-labs/sealed-secrets/pkg/crypto"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/ck8sargo/ck8sargo/secrets/sealed"
)

// Seal a Secret with a controller's certificate. Here the key pair is made on the spot, so
// that the example can show the controller's side (Unseal) too; a program would read the
// certificate with ReadCertificateFrom or fetch it with a Controller.
func Example() {
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	c, _ := crypto.SignKeyWithNotBefore(rand.Reader, priv, time.Now().Add(-time.Minute), time.Hour, "sealed-secret")
	cert, err := sealed.ParseCertificate(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), time.Now())
	if err != nil {
		panic(err)
	}

	secrets, err := sealed.DecodeSecrets([]byte(`apiVersion: v1
kind: Secret
metadata: {name: mysecret, namespace: shop}
stringData: {foo: bar}
`))
	if err != nil {
		panic(err)
	}
	ss, err := sealed.Seal(secrets[0], cert, sealed.SealOptions{Scope: sealed.ScopeStrict})
	if err != nil {
		panic(err)
	}
	fmt.Println(ss.Kind, ss.Namespace+"/"+ss.Name, sealed.ScopeOf(ss))

	// What the controller does with it:
	fp, _ := crypto.PublicKeyFingerprint(&priv.PublicKey)
	var out *corev1.Secret
	out, err = ss.Unseal(scheme.Codecs, map[string]*rsa.PrivateKey{fp: priv})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", out.Data["foo"])
	// Output:
	// SealedSecret shop/mysecret strict
	// "bar"
}
