package sops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	agearmor "filippo.io/age/armor"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/pgp"
	"google.golang.org/grpc"
)

// ErrUnsupportedKey is returned for a sops master key of a type this package does not
// handle (cloud KMS, Vault transit): the platform's repo server reads only pgp and age.
var ErrUnsupportedKey = errors.New("key type not supported: use pgp or age keys")

// KeyService returns a sops key service that wraps and unwraps data keys with the keyring,
// in process. It implements keyservice.KeyServiceClient without any network or gRPC.
func (k *Keyring) KeyService() keyservice.KeyServiceClient { return keyService{k} }

type keyService struct{ k *Keyring }

var _ keyservice.KeyServiceClient = keyService{}

func (s keyService) Encrypt(ctx context.Context, req *keyservice.EncryptRequest, _ ...grpc.CallOption) (*keyservice.EncryptResponse, error) {
	switch kt := req.GetKey().GetKeyType().(type) {
	case *keyservice.Key_PgpKey:
		ct, err := s.k.encryptPGP(ctx, kt.PgpKey.GetFingerprint(), req.GetPlaintext())
		if err != nil {
			return nil, err
		}
		return &keyservice.EncryptResponse{Ciphertext: ct}, nil
	case *keyservice.Key_AgeKey:
		// Encryption needs only the recipient; sops' own code handles every recipient kind
		// (age1..., SSH public keys) without reading any private key.
		mk := &sopsage.MasterKey{Recipient: kt.AgeKey.GetRecipient()}
		if err := mk.Encrypt(req.GetPlaintext()); err != nil {
			return nil, fmt.Errorf("encrypting the data key for age recipient %s: %w", kt.AgeKey.GetRecipient(), err)
		}
		return &keyservice.EncryptResponse{Ciphertext: mk.EncryptedDataKey()}, nil
	}
	return nil, ErrUnsupportedKey
}

func (s keyService) Decrypt(ctx context.Context, req *keyservice.DecryptRequest, _ ...grpc.CallOption) (*keyservice.DecryptResponse, error) {
	var pt []byte
	var err error
	switch kt := req.GetKey().GetKeyType().(type) {
	case *keyservice.Key_PgpKey:
		pt, err = s.k.decryptPGP(ctx, kt.PgpKey.GetFingerprint(), req.GetCiphertext())
	case *keyservice.Key_AgeKey:
		pt, err = s.k.decryptAge(kt.AgeKey.GetRecipient(), req.GetCiphertext())
	default:
		err = ErrUnsupportedKey
	}
	if err != nil {
		return nil, err
	}
	return &keyservice.DecryptResponse{Plaintext: pt}, nil
}

// pgpConfig makes messages every GnuPG since 2.2 reads: SEIPDv1 with MDC, no AEAD.
var pgpConfig = &packet.Config{DefaultCipher: packet.CipherAES256}

func (k *Keyring) encryptPGP(ctx context.Context, fingerprint string, dataKey []byte) ([]byte, error) {
	e := k.publicEntity(fingerprint)
	if e == nil {
		if k.GnuPGHome == "" {
			return nil, &NoPublicKeyError{Fingerprint: fingerprint}
		}
		mk := pgp.NewMasterKeyFromFingerprint(fingerprint)
		pgp.GnuPGHome(k.GnuPGHome).ApplyToMasterKey(mk)
		if err := mk.EncryptContext(ctx, dataKey); err != nil {
			return nil, &NoPublicKeyError{Fingerprint: fingerprint, GnuPGHome: k.GnuPGHome}
		}
		return mk.EncryptedDataKey(), nil
	}
	var buf bytes.Buffer
	aw, err := armor.Encode(&buf, "PGP MESSAGE", nil)
	if err != nil {
		return nil, err
	}
	w, err := openpgp.Encrypt(aw, []*openpgp.Entity{e}, nil, &openpgp.FileHints{IsBinary: true}, pgpConfig)
	if err != nil {
		return nil, fmt.Errorf("encrypting the data key for OpenPGP key %s: %w", fingerprint, err)
	}
	if _, err := w.Write(dataKey); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (k *Keyring) decryptPGP(ctx context.Context, fingerprint string, ciphertext []byte) ([]byte, error) {
	if len(k.pgpPrivate) > 0 {
		block, err := armor.Decode(bytes.NewReader(ciphertext))
		if err != nil {
			return nil, fmt.Errorf("the data key for OpenPGP key %s is not an armored OpenPGP message", fingerprint)
		}
		md, err := openpgp.ReadMessage(block.Body, k.pgpPrivate, nil, pgpConfig)
		if err == nil {
			pt, err := io.ReadAll(md.UnverifiedBody)
			if err == nil {
				return pt, nil
			}
		}
	}
	if k.GnuPGHome != "" {
		mk := pgp.NewMasterKeyFromFingerprint(fingerprint)
		mk.EncryptedKey = string(ciphertext)
		pgp.GnuPGHome(k.GnuPGHome).ApplyToMasterKey(mk)
		if pt, err := mk.DecryptContext(ctx); err == nil {
			return pt, nil
		}
		return nil, fmt.Errorf("no key for OpenPGP key %s: not among the identities given, nor usable in GnuPG home %s", fingerprint, k.GnuPGHome)
	}
	return nil, fmt.Errorf("no key for OpenPGP key %s among the identities given", fingerprint)
}

func (k *Keyring) decryptAge(recipient string, ciphertext []byte) ([]byte, error) {
	if len(k.age) == 0 {
		return nil, fmt.Errorf("no age identity given for recipient %s", recipient)
	}
	var r io.Reader = bytes.NewReader(ciphertext)
	if strings.HasPrefix(strings.TrimSpace(string(ciphertext)), agearmor.Header) {
		r = agearmor.NewReader(bytes.NewReader(ciphertext))
	}
	d, err := age.Decrypt(r, k.age...)
	if err != nil {
		return nil, fmt.Errorf("no age identity given matches recipient %s", recipient)
	}
	pt, err := io.ReadAll(d)
	if err != nil {
		return nil, fmt.Errorf("the data key for age recipient %s is damaged", recipient)
	}
	return pt, nil
}

// NoPublicKeyError: a fingerprint of the recipients has no OpenPGP public key in the
// Keyring (add the public key, or the private key, to it), nor in GnuPG when GnuPGHome is
// set.
type NoPublicKeyError struct {
	// Fingerprint is the recipient without a key.
	Fingerprint string
	// GnuPGHome is the GnuPG home that was asked too; empty when none was.
	GnuPGHome string
}

func (e *NoPublicKeyError) Error() string {
	if e.GnuPGHome == "" {
		return "no OpenPGP public key for fingerprint " + e.Fingerprint
	}
	return fmt.Sprintf("no OpenPGP public key for fingerprint %s in the keyring, and GnuPG in %s could not encrypt for it either", e.Fingerprint, e.GnuPGHome)
}
