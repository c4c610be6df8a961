// Package sops encrypts and decrypts sops files in process, with the sops library itself
// (github.com/getsops/sops/v3: its YAML, JSON, dotenv and INI stores, .sops.yaml creation
// rules and MAC), so that the files round-trip with the sops CLI and helm-secrets.
//
// Keys are held by a Keyring and handed to sops through a key service of this package, in
// process: OpenPGP keys with github.com/ProtonMail/go-crypto, age keys with filippo.io/age.
// Nothing goes through environment variables or the gpg binary; only a Keyring whose
// GnuPGHome is set (AddEnvironment sets it, as the last fallback) lets sops' own OpenPGP
// code use that GnuPG home for keys the Keyring does not hold.
//
// GenerateKey makes passphrase-less OpenPGP (v4, no AEAD) and age keys for helm-secrets;
// KeySecret builds the Secret the platform's repo server reads the private key from.
package sops
