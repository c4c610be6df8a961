package scan

import (
	"bytes"
	"regexp"
)

// privateKeyRE matches the first line of private key material: an armored OpenPGP private
// key block, an age identity, or a PEM private key (RSA, EC, OpenSSH, PKCS#8, encrypted).
var privateKeyRE = regexp.MustCompile(`-----BEGIN PGP PRIVATE KEY BLOCK-----|AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{20,}|-----BEGIN ([A-Z]+ )?PRIVATE KEY-----`)

// PrivateKeys finds private key material in data, one finding per occurrence with its line
// and column. Keys encrypted inside a sops value are ciphertext and do not match.
func PrivateKeys(file string, data []byte) []Finding {
	var out []Finding
	for _, loc := range privateKeyRE.FindAllIndex(data, -1) {
		line := 1 + bytes.Count(data[:loc[0]], []byte("\n"))
		col := 1 + loc[0] - (bytes.LastIndexByte(data[:loc[0]], '\n') + 1)
		what := "a PEM private key"
		switch m := data[loc[0]:loc[1]]; {
		case bytes.HasPrefix(m, []byte("-----BEGIN PGP")):
			what = "an OpenPGP private key block"
		case bytes.HasPrefix(m, []byte("AGE-SECRET-KEY-")):
			what = "an age identity (AGE-SECRET-KEY-)"
		}
		out = append(out, Finding{
			Check: CheckPrivateKey, File: file, Line: line, Column: col,
			Message:     "contains " + what,
			Remediation: "remove the key from the repository (and from its history), keep it in a 0600 file outside git, and rotate it if it was ever pushed",
		})
	}
	return out
}
