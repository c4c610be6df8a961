package scan

import (
	"bytes"
	"regexp"
)

// privateKeyRE matches the first line of private key material: an armored OpenPGP private
// key block, an age identity, or a PEM private key (RSA, EC, OpenSSH, PKCS#8, encrypted).
var privateKeyRE = regexp.MustCompile(`-----BEGIN PGP PRIVATE KEY BLOCK-----|AGE-SECRET-KEY-(?:PQ-)?1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58,}|-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----`)

// keyBodyMin is how many base64 characters must follow a BEGIN marker for it to be a key:
// the smallest real key (ed25519 PKCS#8) has 64. Documentation that names the marker alone,
// or with "..." after it, holds no key.
const keyBodyMin = 64

// hasKeyBody says whether base64 key material follows a BEGIN marker that ends at data[0]:
// armor headers ("Comment: ...") are passed over, and so are the indentation, quotes and
// escaped newlines of a key kept in a YAML or JSON string.
func hasKeyBody(data []byte) bool {
	n := 0
	for i := 0; i < len(data) && n < keyBodyMin; i++ {
		c := data[i]
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=':
			n++
		case c == '\\' && i+1 < len(data) && (data[i+1] == 'n' || data[i+1] == 'r'):
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '"' || c == '\'':
		case c == '\n':
			// An armor header line ("Version: x", "Proc-Type: 4,ENCRYPTED") is no key data.
			if j := bytes.IndexByte(data[i+1:], '\n'); j > 0 && bytes.Contains(data[i+1:i+1+j], []byte(": ")) {
				i += j
			}
		default:
			return false
		}
	}
	return n >= keyBodyMin
}

// PrivateKeys finds private key material in data, one finding per occurrence with its line
// and column. A BEGIN marker counts only with key material after it, so that documentation
// mentioning the marker is no finding. Keys encrypted inside a sops value are ciphertext and do not match.
func PrivateKeys(file string, data []byte) []Finding {
	// Every match starts with one of these: looking for them first spares most files the
	// expression.
	if !bytes.Contains(data, []byte("-----BEGIN ")) && !bytes.Contains(data, []byte("AGE-SECRET-KEY-")) {
		return nil
	}
	var out []Finding
	for _, loc := range privateKeyRE.FindAllIndex(data, -1) {
		if data[loc[0]] == '-' && !hasKeyBody(data[loc[1]:]) {
			continue
		}
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
