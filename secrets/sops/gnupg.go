package sops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// ErrNoGnuPG is returned by ImportPublicKeys when the gpg binary is not installed.
var ErrNoGnuPG = errors.New("gpg is not installed")

// ImportPublicKeys imports the public part of every armored OpenPGP key in data (public or
// private blocks) into the GnuPG home home (empty: GnuPG's own default, $GNUPGHOME or
// ~/.gnupg) with `gpg --batch --import`, and returns their fingerprints. It is how `secrets
// init --key public.asc` makes the key findable again: the sops CLI encrypts for a
// .sops.yaml fingerprint only with a key in GnuPG's keyring, and a Keyring from
// AddEnvironment falls back to the same home. Private key material is never passed to gpg.
func ImportPublicKeys(ctx context.Context, home string, data []byte) ([]string, error) {
	blocks, _ := armoredBlocks(data)
	var pub bytes.Buffer
	var fprs []string
	for i, b := range blocks {
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(b.Data))
		if err != nil {
			return nil, fmt.Errorf("reading the OpenPGP key of armored block %d: %w", i+1, err)
		}
		for _, e := range el {
			w, err := armor.Encode(&pub, openpgp.PublicKeyType, nil)
			if err != nil {
				return nil, err
			}
			// Serialize writes the public key, user IDs and subkeys: never a private part.
			if err := e.Serialize(w); err != nil {
				return nil, fmt.Errorf("the OpenPGP key %X: %w", e.PrimaryKey.Fingerprint, err)
			}
			if err := w.Close(); err != nil {
				return nil, err
			}
			pub.WriteByte('\n')
			fprs = append(fprs, fmt.Sprintf("%X", e.PrimaryKey.Fingerprint))
		}
	}
	if len(fprs) == 0 {
		return nil, errors.New("no armored OpenPGP key in it")
	}
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		return nil, ErrNoGnuPG
	}
	cmd := exec.CommandContext(ctx, gpg, "--batch", "--import")
	cmd.Env = os.Environ()
	if home != "" {
		if err := os.MkdirAll(home, 0o700); err != nil {
			return nil, fmt.Errorf("GnuPG home %s: %w", home, err)
		}
		cmd.Env = append(cmd.Env, EnvGnuPGHome+"="+home)
	}
	cmd.Stdin = &pub
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gpg --import: %s", lastLine(stderr.String(), err))
	}
	return fprs, nil
}

// lastLine is the last line of gpg's stderr that tells of a failure (gpg also prints its
// counts, "imported: 1", after one), else its last line, else err's text.
func lastLine(s string, err error) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.ToLower(lines[i])
		if strings.Contains(l, "error") || strings.Contains(l, "fail") || strings.Contains(l, "can't") || strings.Contains(l, "cannot") {
			return strings.TrimSpace(lines[i])
		}
	}
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return l
	}
	return err.Error()
}
