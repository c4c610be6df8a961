package sops

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

// KeyType is the kind of key sops wraps its data key with.
type KeyType string

// The key types the platform's repo server reads.
const (
	KeyTypePGP KeyType = "pgp"
	KeyTypeAge KeyType = "age"
)

// PGPAlgorithm is the public-key algorithm of a generated OpenPGP key.
type PGPAlgorithm string

// OpenPGP algorithms for GenerateKey. Both make v4 keys without AEAD, which GnuPG 2.2 and
// 2.4 import and the repo server's gpg uses.
const (
	// PGPRSA4096 is an RSA 4096 primary key with an RSA 4096 encryption subkey: the default.
	PGPRSA4096 PGPAlgorithm = "rsa4096"
	// PGPEd25519 is a legacy EdDSA ed25519 primary key with a cv25519 ECDH encryption
	// subkey (what `gpg --quick-generate-key NAME default` makes).
	PGPEd25519 PGPAlgorithm = "ed25519"
)

// KeygenOptions say what key GenerateKey makes.
type KeygenOptions struct {
	Type KeyType
	// Name is the OpenPGP user ID's name (default "helm-secrets"); for age keys it is only
	// written as a comment.
	Name string
	// Email is the OpenPGP user ID's email, optional.
	Email string
	// Algorithm is the OpenPGP algorithm; default PGPRSA4096.
	Algorithm PGPAlgorithm
	// Now is the key's creation time; default time.Now.
	Now func() time.Time
}

// Key is a generated key pair. Private is secret: write it with WriteFiles (0600) and never
// print it.
type Key struct {
	Type KeyType
	// Fingerprint is the OpenPGP fingerprint (40 upper-case hex digits), what .sops.yaml's
	// pgp field holds; empty for age.
	Fingerprint string
	// Recipient is the age public key (age1...); empty for pgp.
	Recipient string
	// Private is the armored OpenPGP private key without passphrase, or the age identity
	// file in age-keygen's format.
	Private []byte
	// Public is the armored OpenPGP public key, or the recipient followed by a newline.
	Public []byte
}

// PublicID is what .sops.yaml names the key by: the fingerprint or the recipient.
func (k *Key) PublicID() string {
	if k.Type == KeyTypePGP {
		return k.Fingerprint
	}
	return k.Recipient
}

// GenerateKey makes a new key pair without passphrase (the repo server cannot answer a
// passphrase prompt).
func GenerateKey(opts KeygenOptions) (*Key, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if opts.Name == "" {
		opts.Name = "helm-secrets"
	}
	switch opts.Type {
	case KeyTypePGP:
		return generatePGP(opts, now)
	case KeyTypeAge:
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, fmt.Errorf("generating an age key: %w", err)
		}
		r := id.Recipient().String()
		var b bytes.Buffer
		fmt.Fprintf(&b, "# created: %s\n# public key: %s\n%s\n", now().Format(time.RFC3339), r, id.String())
		return &Key{Type: KeyTypeAge, Recipient: r, Private: b.Bytes(), Public: []byte(r + "\n")}, nil
	}
	return nil, fmt.Errorf("unknown key type %q: use pgp or age", opts.Type)
}

func generatePGP(opts KeygenOptions, now func() time.Time) (*Key, error) {
	cfg := &packet.Config{
		DefaultHash:            crypto.SHA256,
		DefaultCipher:          packet.CipherAES256,
		DefaultCompressionAlgo: packet.CompressionNone,
		Time:                   now,
		// v4 keys and no AEAD: GnuPG 2.2 knows neither v6 keys nor SEIPDv2.
		V6Keys:     false,
		AEADConfig: nil,
	}
	switch opts.Algorithm {
	case "", PGPRSA4096:
		cfg.Algorithm = packet.PubKeyAlgoRSA
		cfg.RSABits = 4096
	case PGPEd25519:
		cfg.Algorithm = packet.PubKeyAlgoEdDSA
		cfg.Curve = packet.Curve25519
	default:
		return nil, fmt.Errorf("unknown OpenPGP algorithm %q: use rsa4096 or ed25519", opts.Algorithm)
	}
	if strings.ContainsAny(opts.Name+opts.Email, "()<>\x00") {
		return nil, errors.New("the key name and email may not contain any of ( ) < >")
	}
	e, err := openpgp.NewEntity(opts.Name, "", opts.Email, cfg)
	if err != nil {
		return nil, fmt.Errorf("generating an OpenPGP key: %w", err)
	}
	var priv, pub bytes.Buffer
	w, err := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := e.SerializePrivateWithoutSigning(w, cfg); err != nil {
		return nil, fmt.Errorf("writing the OpenPGP private key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	priv.WriteByte('\n')
	w, err = armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := e.Serialize(w); err != nil {
		return nil, fmt.Errorf("writing the OpenPGP public key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	pub.WriteByte('\n')
	return &Key{
		Type:        KeyTypePGP,
		Fingerprint: strings.ToUpper(fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)),
		Private:     priv.Bytes(),
		Public:      pub.Bytes(),
	}, nil
}

// KeyFiles are the files WriteFiles wrote.
type KeyFiles struct {
	PrivateKeyFile string `json:"privateKeyFile"`
	PublicKeyFile  string `json:"publicKeyFile"`
}

// The file names WriteFiles uses: those the platform's documentation and age-keygen use.
const (
	PGPPrivateKeyFile   = "private.asc"
	PGPPublicKeyFile    = "public.asc"
	AgeIdentityFile     = "key.txt"
	AgeRecipientFile    = "recipient.txt"
	privateKeyFileMode  = 0o600
	publicKeyFileMode   = 0o644
	privateKeyDirectory = 0o700
)

// WriteFiles writes the key into dir: private.asc (0600) and public.asc for pgp, key.txt
// (0600) and recipient.txt for age. It refuses to overwrite an existing private key file
// unless overwrite is set, so that a key in use is never lost.
func (k *Key) WriteFiles(dir string, overwrite bool) (KeyFiles, error) {
	privName, pubName := PGPPrivateKeyFile, PGPPublicKeyFile
	if k.Type == KeyTypeAge {
		privName, pubName = AgeIdentityFile, AgeRecipientFile
	}
	files := KeyFiles{PrivateKeyFile: filepath.Join(dir, privName), PublicKeyFile: filepath.Join(dir, pubName)}
	if err := os.MkdirAll(dir, privateKeyDirectory); err != nil {
		return files, fmt.Errorf("creating %s: %w", dir, err)
	}
	if !overwrite {
		for _, f := range []string{files.PrivateKeyFile, files.PublicKeyFile} {
			if _, err := os.Stat(f); err == nil {
				return files, &KeyFileExistsError{Path: f}
			} else if !errors.Is(err, fs.ErrNotExist) {
				return files, err
			}
		}
	}
	if err := atomicfile.Write(files.PrivateKeyFile, k.Private, privateKeyFileMode); err != nil {
		return files, err
	}
	if err := atomicfile.Write(files.PublicKeyFile, k.Public, publicKeyFileMode); err != nil {
		return files, err
	}
	return files, nil
}

// KeyFileExistsError: WriteFiles was not allowed to overwrite a key file. Replacing it would
// lose the key, and every file encrypted for it could no longer be decrypted.
type KeyFileExistsError struct {
	// Path is the key file that exists.
	Path string
}

func (e *KeyFileExistsError) Error() string { return e.Path + " already exists" }

// Is makes errors.Is(err, fs.ErrExist) hold.
func (e *KeyFileExistsError) Is(target error) bool { return target == fs.ErrExist }
