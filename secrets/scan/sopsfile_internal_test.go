package scan

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDetectEncryptionAgreesWithItsExpressions checks that running the metadata and MAC
// expressions from the line of the first "sops" and "mac" gives what they give on the
// whole file, on the forms where a match starts before that line or after another
// occurrence.
func TestDetectEncryptionAgreesWithItsExpressions(t *testing.T) {
	mac := "ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]"
	tests := map[string]string{
		"yaml":                        "a: ENC[AES256_GCM,data:x]\nsops:\n    mac: " + mac + "\n",
		"mac quoted":                  "sops:\n    mac: \"" + mac + "\"\n",
		"mac after blank lines":       "sops:\n  x: 1\n\n\n mac:\n\n  " + mac + "\n",
		"mac at column 0 after blank": "sops:\n  x: 1\n  \nmac: " + mac + "\n",
		"mac at column 0":             "sops:\nmac: " + mac + "\n",
		"mac in a word first":         "# macOS notes\nsops:\n    mac: " + mac + "\n",
		"no mac":                      "sops:\n    version: 3.9.0\n",
		"json":                        "{\"a\": 1, \"sops\": {\"mac\": \"" + mac + "\"}}",
		"json spaced":                 "{\"sops\"\n  :\n  {\"mac\"\n:\n\"" + mac + "\"}}",
		"dotenv":                      "A=b\nsops_mac=" + mac + "\nsops_version=3.9.0\n",
		"ini":                         "[sops]\nmac = " + mac + "\n",
		"sops in a word first":        "# about sopsy\nsops:\n  mac: " + mac + "\n",
		"sops not at line start":      "x: sops:\n  mac: " + mac + "\n",
		"plaintext":                   "a: b\n",
		"empty":                       "",
		"mac first":                   "mac: " + mac + "\nsops:\n  v: 1\n",
		"crlf":                        "sops:\r\n    mac: " + mac + "\r\n",
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			want := Plaintext
			if sopsMetadataRE.MatchString(data) {
				want = NoMAC
				if sopsMACRE.MatchString(data) {
					want = Encrypted
				}
			}
			assert.Equal(t, want, DetectEncryption([]byte(data)))
		})
	}
}
