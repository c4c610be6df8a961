package backup_test

import (
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup"
)

// A key file with a mistyped key is reported by file and line; age's own message, which
// quotes the mistyped character, is not passed on.
func TestParseIdentitiesNamesTheBadLineWithoutQuotingTheKey(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	key := id.String()
	// B is not in bech32's alphabet: age then reports the character and its position.
	typo := key[:40] + "B" + key[41:]
	_, ageErr := age.ParseIdentities(strings.NewReader(typo))
	require.ErrorContains(t, ageErr, "invalid character data part: s[", "age's message quotes the character (this test's premise)")

	tests := []struct {
		name, file, want string
	}{
		{"a mistyped key", "# created: today\n# public key: " + id.Recipient().String() + "\n" + typo + "\n",
			"reading age identities from keys.txt: line 3 is not an age identity (AGE-SECRET-KEY-1..., as age-keygen writes it)"},
		{"not a key file", "hello\n", "reading age identities from keys.txt: line 1 is not an age identity (AGE-SECRET-KEY-1..., as age-keygen writes it)"},
		{"no identities", "# only a comment\n", "reading age identities from keys.txt: no identities found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := backup.ParseIdentities(strings.NewReader(tt.file), "keys.txt")
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.NotContains(t, err.Error(), key[20:40], "no part of the key")
		})
	}

	ids, err := backup.ParseIdentities(strings.NewReader("# a comment\n"+key+"\n"), "keys.txt")
	require.NoError(t, err)
	require.Len(t, ids, 1)
	assert.Equal(t, id.Recipient().String(), ids[0].(*age.X25519Identity).Recipient().String())
}
