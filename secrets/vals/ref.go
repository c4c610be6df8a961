package vals

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LiteralPrefix is how helm-secrets hands a value to vals in a Helm fileParameter path.
const LiteralPrefix = "secrets+literal://vals!"

// Ref is the fileParameters path that makes the repo server put the value of key at path
// in Vault into a Helm value: secrets+literal://vals!ref+vault://PATH#/KEY.
func Ref(path, key string) (string, error) {
	switch {
	case path == "" || key == "":
		return "", fmt.Errorf("both the Vault path and the key are needed, as in: vault secret/data/shop password")
	case !plain(path, "") || strings.HasPrefix(path, "/"):
		return "", fmt.Errorf("the Vault path %q may not start with / nor contain #, +, commas, quotes, spaces or control characters", path)
	case !plain(key, "/"):
		return "", fmt.Errorf("the key %q may not contain #, +, /, commas, quotes, spaces or control characters", key)
	}
	return LiteralPrefix + "ref+vault://" + path + "#/" + key, nil
}

// plain says whether s has only printable, non-space characters that end neither a vals
// reference nor its fragment (#, +, quotes, comma), and none of extra.
func plain(s, extra string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || strings.ContainsRune("#+\"',\\"+extra, r) {
			return false
		}
	}
	return true
}
