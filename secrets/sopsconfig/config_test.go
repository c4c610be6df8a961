package sopsconfig_test

import (
	"testing"

	"filippo.io/age"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
	"github.com/ck8sargo/ck8sargo/secrets/sopsconfig"
)

const ageR = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
const fpr = "0123456789ABCDEF0123456789ABCDEF01234567"

func TestInitConfig(t *testing.T) {
	tests := []struct {
		name     string
		existing string
		opts     sopsconfig.InitOptions
		want     string
		res      sopsconfig.InitResult
	}{
		{
			name: "creates the seed's catch-all rule",
			opts: sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypePGP, ID: fpr}},
			want: "creation_rules:\n  - pgp: " + fpr + "\n",
			res:  sopsconfig.InitResult{Created: true, NewRule: true, KeyAdded: true},
		},
		{
			name:     "extends the rule with the same path_regex, keeping comments and the comma form",
			existing: "# team keys\ncreation_rules:\n  # prod\n  - path_regex: prod/.*\n    pgp: AAAA # alice\n",
			opts:     sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypePGP, ID: fpr}, PathRegex: "prod/.*"},
			want:     "# team keys\ncreation_rules:\n  # prod\n  - path_regex: prod/.*\n    pgp: AAAA," + fpr + " # alice\n",
			res:      sopsconfig.InitResult{KeyAdded: true},
		},
		{
			name:     "extends a list of age recipients",
			existing: "creation_rules:\n    - age:\n        - age1aaa\n",
			opts:     sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: ageR}},
			want:     "creation_rules:\n    - age:\n        - age1aaa\n        - " + ageR + "\n",
			res:      sopsconfig.InitResult{KeyAdded: true},
		},
		{
			name:     "puts a new specific rule before the catch-all, so that sops reaches it",
			existing: "creation_rules:\n  - pgp: AAAA\n",
			opts:     sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: ageR}, PathRegex: `secrets.*\.yaml$`, EncryptedRegex: "^(data|stringData)$"},
			want:     "creation_rules:\n  - path_regex: secrets.*\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: " + ageR + "\n  - pgp: AAAA\n",
			res:      sopsconfig.InitResult{NewRule: true, KeyAdded: true},
		},
		{
			name:     "a key already there changes nothing",
			existing: "creation_rules:\n- pgp: " + fpr + "\n",
			opts:     sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypePGP, ID: fpr}},
			want:     "creation_rules:\n- pgp: " + fpr + "\n",
		},
		{
			name:     "keeps other top-level keys",
			existing: "stores:\n  yaml:\n    indent: 2\n",
			opts:     sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: ageR}},
			want:     "stores:\n  yaml:\n    indent: 2\ncreation_rules:\n  - age: " + ageR + "\n",
			res:      sopsconfig.InitResult{NewRule: true, KeyAdded: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res, err := sopsconfig.InitConfig([]byte(tt.existing), tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(out))
			assert.Equal(t, tt.res, res)
			_, err = scan.ParseConfig(".", out)
			assert.NoError(t, err, "the result is a valid .sops.yaml")
		})
	}
	for _, bad := range []struct{ name, existing, regex string }{
		{"not YAML", "creation_rules: [", ""},
		{"rules not a list", "creation_rules: 1\n", ""},
		{"a bad path regex", "", "("},
	} {
		t.Run("refuses "+bad.name, func(t *testing.T) {
			_, _, err := sopsconfig.InitConfig([]byte(bad.existing), sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: ageR}, PathRegex: bad.regex})
			assert.Error(t, err)
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	identityFile := "# created: 2026-11-25T19:00:00Z\n" + id.String() + "\n"
	pq, err := age.GenerateHybridIdentity()
	require.NoError(t, err)
	pqR := pq.Recipient().String()
	tests := []struct {
		name string
		in   string
		want sopsconfig.PublicKey
	}{
		{"a fingerprint with spaces", "0123 4567 89ab cdef 0123  4567 89AB CDEF 0123 4567", sopsconfig.PublicKey{Type: sopsconfig.KeyTypePGP, ID: fpr}},
		{"an age recipient", ageR + "\n", sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: ageR}},
		{"an age identity file gives its recipient", identityFile, sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: id.Recipient().String()}},
		{"a recipients file with a comment", "# mine\n" + ageR + "\n", sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: ageR}},
		{"a post-quantum age recipient", pqR + "\n", sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: pqR}},
		{"a post-quantum age identity file gives its recipient", "# pq\n" + pq.String() + "\n", sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: pqR}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sopsconfig.ParsePublicKey([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "hello", "age1notvalid", "age1pq1notvalid", "-----BEGIN PGP PUBLIC KEY BLOCK-----\nxx\n"} {
		_, err := sopsconfig.ParsePublicKey([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func FuzzInitConfig(f *testing.F) {
	f.Add([]byte("creation_rules:\n  - pgp: AAAA\n"), "")
	f.Add([]byte("# c\ncreation_rules:\n- path_regex: x\n  age: [a, b]\n"), "x")
	f.Fuzz(func(t *testing.T, existing []byte, pathRegex string) {
		out, _, err := sopsconfig.InitConfig(existing, sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: ageR}, PathRegex: pathRegex})
		if err != nil {
			return
		}
		// The key is in the result: adding it again changes nothing.
		again, res, err := sopsconfig.InitConfig(out, sopsconfig.InitOptions{Key: sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: ageR}, PathRegex: pathRegex})
		if err != nil {
			t.Fatalf("the result does not read back: %v", err)
		}
		if res.KeyAdded || string(again) != string(out) {
			t.Fatalf("the key was not found in the result")
		}
	})
}
