package sealed

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/bitnami-labs/sealed-secrets/pkg/crypto"
)

// ErrMalformedCertificate means the data is not a PEM certificate with an RSA public key.
var ErrMalformedCertificate = errors.New("not a sealed-secrets certificate")

// ExpiredCertificateError is a certificate past its NotAfter: sealing with it would produce
// secrets that a controller which has rotated away from the key may never decrypt.
type ExpiredCertificateError struct {
	NotAfter time.Time
}

func (e *ExpiredCertificateError) Error() string {
	return fmt.Sprintf("the sealing certificate expired on %s; fetch the current one from the controller or ask the Platform Administrator for it",
		e.NotAfter.UTC().Format(time.RFC3339))
}

// Certificate is the public half of a controller's sealing key.
type Certificate struct {
	// PublicKey seals values.
	PublicKey *rsa.PublicKey
	// NotBefore and NotAfter bound the certificate's validity.
	NotBefore, NotAfter time.Time
	// Fingerprint identifies the key the way the controller does (sha256 of the key).
	Fingerprint string
	// PEM is the certificate as read, for caching.
	PEM []byte
}

// ParseCertificate reads the first certificate of PEM data, as the controller serves it at
// /v1/cert.pem, and refuses it when it is expired at now.
func ParseCertificate(data []byte, now time.Time) (*Certificate, error) {
	var block *pem.Block
	rest := data
	for {
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("%w: no PEM CERTIFICATE block found", ErrMalformedCertificate)
		}
		if block.Type == "CERTIFICATE" {
			break
		}
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedCertificate, err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the public key is %T, not RSA", ErrMalformedCertificate, cert.PublicKey)
	}
	if now.After(cert.NotAfter) {
		return nil, &ExpiredCertificateError{NotAfter: cert.NotAfter}
	}
	fp, err := crypto.PublicKeyFingerprint(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedCertificate, err)
	}
	return &Certificate{
		PublicKey:   pub,
		NotBefore:   cert.NotBefore,
		NotAfter:    cert.NotAfter,
		Fingerprint: fp,
		PEM:         pem.EncodeToMemory(block),
	}, nil
}
