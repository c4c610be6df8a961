package sealed_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"testing"
	"time"

	"github.com/bitnami-labs/sealed-secrets/pkg/crypto"
	"github.com/stretchr/testify/require"
)

// testKey is a sealing key made the way the controller makes its own.
type testKey struct {
	priv *rsa.PrivateKey
	pem  []byte
}

func newTestKey(t testing.TB, notBefore time.Time, validFor time.Duration) testKey {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	cert, err := crypto.SignKeyWithNotBefore(rand.Reader, priv, notBefore, validFor, "sealed-secret")
	require.NoError(t, err)
	return testKey{priv: priv, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})}
}

// plantedValues are byte strings no output may ever contain; they include the traps of
// the seed's flow: a trailing newline, no newline, binary bytes.
var plantedValues = map[string][]byte{
	"password":  []byte("planted-Pa55w0rd-no-newline"),
	"with-nl":   []byte("planted-value-with-newline\n"),
	"binary":    {0x00, 0xff, 0x10, 'p', 'l', 'a', 'n', 't', 0x0a, 0x0d, 0x80},
	"multiline": []byte("planted-line-1\nplanted-line-2\n\n"),
}
