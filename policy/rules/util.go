package rules

import (
	"fmt"
	"strings"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// isTemplated says whether an ApplicationSet value holds a template expression.
func isTemplated(s string) bool { return strings.Contains(s, "{{") }

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// asBool reads a YAML boolean; a quoted "true" counts too, as Kubernetes would reject it
// but the intent is clear.
func asBool(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		switch strings.ToLower(b) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}
