package render

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// MinTaintLength is the shortest decrypted value that is redacted. Shorter values
// ("yes", "80", "db") would redact common words and numbers everywhere while hiding
// nothing worth a secret.
const MinTaintLength = 4

// Redacted replaces a decrypted value in a message.
const Redacted = "[redacted]"

// redactedNote is appended to a message that had a value redacted.
const redactedNote = " (decrypted values are redacted)"

// taint collects the values that came from decryption.
type taint struct {
	mu       sync.Mutex
	values   map[string]bool
	replacer *strings.Replacer
}

// add taints every scalar leaf of decrypted values.
func (t *taint) add(v any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.values == nil {
		t.values = map[string]bool{}
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case nil:
		case string:
			t.addString(x)
		default:
			t.addString(fmt.Sprint(x))
		}
	}
	walk(v)
	t.replacer = nil
}

func (t *taint) addString(s string) {
	if len(s) >= MinTaintLength {
		t.values[s] = true
		// A value spanning lines is also redacted line by line, as messages fold lines.
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); len(l) >= MinTaintLength {
				t.values[l] = true
			}
		}
	}
}

// redact replaces every tainted value in s, longest first, and says whether it did.
func (t *taint) redact(s string) (string, bool) {
	t.mu.Lock()
	if len(t.values) == 0 {
		t.mu.Unlock()
		return s, false
	}
	if t.replacer == nil {
		vals := make([]string, 0, len(t.values))
		for v := range t.values {
			vals = append(vals, v)
		}
		slices.SortFunc(vals, func(a, b string) int {
			if len(a) != len(b) {
				return len(b) - len(a)
			}
			return strings.Compare(a, b)
		})
		pairs := make([]string, 0, 2*len(vals))
		for _, v := range vals {
			pairs = append(pairs, v, Redacted)
		}
		t.replacer = strings.NewReplacer(pairs...)
	}
	rep := t.replacer
	t.mu.Unlock()
	out := rep.Replace(s)
	return out, out != s
}

// Redact replaces every decrypted value in s with [redacted] and, when it replaced one,
// says so at the end. Messages built from rendered objects (a policy finding quoting an
// image, say) go through it before they are shown.
func (res *Result) Redact(s string) string {
	if res == nil || res.taint == nil {
		return s
	}
	out, did := res.taint.redact(s)
	if did && !strings.HasSuffix(out, redactedNote) {
		out += redactedNote
	}
	return out
}

// Tainted says whether decrypted values were used: messages must then go through Redact.
func (res *Result) Tainted() bool {
	if res == nil || res.taint == nil {
		return false
	}
	res.taint.mu.Lock()
	defer res.taint.mu.Unlock()
	return len(res.taint.values) > 0
}

// RedactObject returns a copy of an object with every decrypted value in its strings
// replaced by [redacted], for printing rendered objects; content is not changed. Without
// decrypted values it is content itself.
func (res *Result) RedactObject(content map[string]any) map[string]any {
	if !res.Tainted() {
		return content
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		case string:
			s, _ := res.taint.redact(x)
			return s
		}
		return v
	}
	out := walk(content).(map[string]any)
	// A Secret's data is base64: a decrypted value in it would not be seen as a string.
	if av, _ := out["apiVersion"].(string); av == "v1" && out["kind"] == "Secret" {
		if data, ok := out["data"].(map[string]any); ok {
			for k, v := range data {
				s, _ := v.(string)
				dec, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					continue
				}
				if _, did := res.taint.redact(string(dec)); did {
					data[k] = Redacted
				}
			}
		}
	}
	return out
}
