// Package yamlerr makes YAML parser messages safe to show. The parsers quote pieces of the
// input in some of them (the name of an unknown anchor, the value that did not fit a type),
// and in a Secret manifest or a values file that piece can be a secret value: a password
// that starts with '*' is read as an alias, and the error names it.
package yamlerr

import "regexp"

var (
	// go-yaml: "unknown anchor 'NAME' referenced".
	anchor = regexp.MustCompile(`(anchor) '[^']*'`)
	// go-yaml: "cannot unmarshal !!str `VALUE` into int", value in backquotes.
	backquoted = regexp.MustCompile(" ?`[^`]*`")
)

// Redact is msg, a YAML parser's message, with every quoted piece of the input removed;
// the line and the kind of problem stay.
func Redact(msg string) string {
	msg = anchor.ReplaceAllString(msg, "$1")
	return backquoted.ReplaceAllString(msg, "")
}
