package archive

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"filippo.io/age"
)

// SignatureHMAC is the one signature algorithm: HMAC-SHA256 with a key derived (HKDF-SHA256)
// from an age X25519 identity, the team's backup key. Only a holder of the identity can make
// or check the MAC; the public recipient in Signature.Key says which identity it was.
const SignatureHMAC = "hmac-sha256-age-x25519"

// signatureInfo is the HKDF info string of the MAC key: a key for nothing else.
const signatureInfo = "ck8sargo backup manifest signature v1"

// macPlaceholder stands for the MAC while it is computed: the MAC covers the manifest as
// stored with this value in place of itself.
var macPlaceholder = strings.Repeat("0", 2*sha256.Size)

// Signature is a MAC over a manifest, made with the team's backup key.
type Signature struct {
	// Alg is SignatureHMAC.
	Alg string `json:"alg"`
	// Key is the age recipient (the public key) of the identity the MAC key is derived
	// from; public, so that a reader knows which identity checks it.
	Key string `json:"key"`
	// MAC is the hex HMAC-SHA256 of the stored manifest with this field set to 64 zeros.
	MAC string `json:"hmacSHA256"`
}

// macField is how the MAC appears in a stored manifest (the Writer's encoding).
func macField(mac string) []byte { return []byte(`"hmacSHA256": "` + mac + `"`) }

func macKey(id *age.X25519Identity) []byte {
	// HKDF with a fixed length and SHA-256 never fails.
	k, _ := hkdf.Key(sha256.New, []byte(id.String()), nil, signatureInfo, sha256.Size)
	return k
}

func computeMAC(id *age.X25519Identity, manifest []byte) string {
	h := hmac.New(sha256.New, macKey(id))
	h.Write(manifest)
	return hex.EncodeToString(h.Sum(nil))
}

// sign fills the placeholder MAC of an encoded manifest.
func sign(id *age.X25519Identity, data []byte) ([]byte, error) {
	field := macField(macPlaceholder)
	if bytes.Count(data, field) != 1 {
		return nil, fmt.Errorf("signing manifest: the MAC placeholder is not unique")
	}
	return bytes.Replace(data, field, macField(computeMAC(id, data)), 1), nil
}

// SigningIdentity picks the identity to sign a backup with: the first X25519 identity
// whose recipient is one of recipients (so that whoever can restore the backup can check
// it), or, for a backup without recipients, the first X25519 identity. It returns nil
// when none fits.
func SigningIdentity(ids []age.Identity, recipients []string) *age.X25519Identity {
	for _, id := range ids {
		x, ok := id.(*age.X25519Identity)
		if !ok {
			continue
		}
		if len(recipients) == 0 {
			return x
		}
		for _, r := range recipients {
			if strings.TrimSpace(r) == x.Recipient().String() {
				return x
			}
		}
	}
	return nil
}

// checkSignature checks m's signature with opts; it records on m whether it was checked.
func checkSignature(m *Manifest, opts ReadOptions) error {
	s := m.Signature
	if s == nil {
		if opts.RequireSignature {
			return fmt.Errorf("%w: a signature is required", ErrUnsigned)
		}
		return nil
	}
	if s.Alg != SignatureHMAC {
		return fmt.Errorf("%w: unknown signature algorithm %q", ErrBadSignature, s.Alg)
	}
	if _, err := hex.DecodeString(s.MAC); err != nil || len(s.MAC) != len(macPlaceholder) || strings.ToLower(s.MAC) != s.MAC {
		return fmt.Errorf("%w: malformed MAC", ErrBadSignature)
	}
	var key *age.X25519Identity
	for _, id := range opts.Identities {
		if x, ok := id.(*age.X25519Identity); ok && x.Recipient().String() == s.Key {
			key = x
			break
		}
	}
	if key == nil {
		if opts.RequireSignature {
			return fmt.Errorf("%w: signed with the key of %s, which none of the given identities is", ErrBadSignature, s.Key)
		}
		return nil
	}
	raw := m.Bytes()
	field := macField(s.MAC)
	if bytes.Count(raw, field) != 1 {
		return fmt.Errorf("%w: the manifest was re-encoded after signing", ErrBadSignature)
	}
	want := computeMAC(key, bytes.Replace(raw, field, macField(macPlaceholder), 1))
	if !hmac.Equal([]byte(want), []byte(s.MAC)) {
		return fmt.Errorf("%w: the manifest or an object was changed after signing, or it was signed with another key", ErrBadSignature)
	}
	m.signatureChecked = true
	return nil
}
