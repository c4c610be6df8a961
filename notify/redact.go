package notify

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/argoproj/notifications-engine/pkg/services"

	"github.com/ck8sargo/ck8sargo/policy"
)

// minRedactedLength is the shortest Secret value that is redacted: shorter values ("on",
// "25", "yes") would blank out ordinary words everywhere, and guessing them is no harder
// than guessing their length.
const minRedactedLength = 4

// RedactedMark starts the text that stands for a redacted Secret value.
const RedactedMark = "[redacted: value of Secret key "

// Redactor replaces the values of the notifications Secret in text. Every value is
// tainted: a finding, an error or a rendered message that holds one (as written, quoted
// the way Go or JSON quotes it, base64-encoded, printed as a byte list, or with its
// whitespace folded) gets a mark naming the Secret key instead.
type Redactor struct {
	replacer *strings.Replacer
}

// NewRedactor builds a Redactor for the values of secret (key to value); values shorter
// than minRedactedLength are left alone.
func NewRedactor(secret map[string][]byte) *Redactor {
	type pair struct{ from, to string }
	var pairs []pair
	seen := map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(secret)) {
		v := string(secret[k])
		if len(strings.TrimSpace(v)) < minRedactedLength {
			continue
		}
		mark := RedactedMark + strconv.Quote(k) + "]"
		for _, form := range valueForms(secret[k]) {
			if len(form) >= minRedactedLength && !seen[form] {
				seen[form] = true
				pairs = append(pairs, pair{form, mark})
			}
		}
	}
	if len(pairs) == 0 {
		return &Redactor{}
	}
	// Longest first, so that a value containing another is replaced whole.
	slices.SortStableFunc(pairs, func(a, b pair) int { return len(b.from) - len(a.from) })
	var args []string
	for _, p := range pairs {
		args = append(args, p.from, p.to)
	}
	return &Redactor{replacer: strings.NewReplacer(args...)}
}

// valueForms are the ways a value shows up in an error or a rendered message.
func valueForms(v []byte) []string {
	s := string(v)
	forms := []string{s}
	if q := strconv.Quote(s); len(q) > 2 {
		forms = append(forms, q[1:len(q)-1])
	}
	if j, err := json.Marshal(s); err == nil && len(j) > 2 {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	forms = append(forms,
		strings.Join(strings.Fields(s), " "),
		strings.Trim(fmt.Sprint(v), "[]"), // {{ index .secrets "k" }} prints a []byte
		base64.StdEncoding.EncodeToString(v),
		strings.TrimSpace(s),
	)
	return forms
}

// Active says whether there is anything to redact.
func (r *Redactor) Active() bool { return r != nil && r.replacer != nil }

// String redacts s.
func (r *Redactor) String(s string) string {
	if !r.Active() || s == "" {
		return s
	}
	return r.replacer.Replace(s)
}

// Error redacts an error's message; nil stays nil. The error chain is not kept when
// something was redacted, since a wrapped cause would still hold the value.
func (r *Redactor) Error(err error) error {
	if err == nil || !r.Active() {
		return err
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return &redactedError{msg: red, sentinel: sentinelOf(err)}
	}
	return err
}

// redactedError is an error whose message was redacted; it keeps only the package's
// sentinel, so that callers can still branch on it.
type redactedError struct {
	msg      string
	sentinel error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.sentinel }

func sentinelOf(err error) error {
	if errors.Is(err, ErrConfigRejected) {
		return ErrConfigRejected
	}
	return nil
}

// Report redacts the messages of a report's findings in place and says whether anything
// was redacted.
func (r *Redactor) Report(rep *policy.Report) bool {
	changed := false
	for i := range rep.Findings {
		f := &rep.Findings[i]
		for _, s := range []*string{&f.Message, &f.Remediation, &f.SuppressReason} {
			if red := r.String(*s); red != *s {
				*s, changed = red, true
			}
		}
	}
	return changed
}

// Notification returns a copy of n with every string redacted; nil stays nil.
func (r *Redactor) Notification(n *services.Notification) (*services.Notification, error) {
	if n == nil || !r.Active() {
		return n, nil
	}
	data, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("redacting the notification: %w", err)
	}
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		return nil, fmt.Errorf("redacting the notification: %w", err)
	}
	data, err = json.Marshal(r.tree(tree))
	if err != nil {
		return nil, fmt.Errorf("redacting the notification: %w", err)
	}
	out := &services.Notification{}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("redacting the notification: %w", err)
	}
	return out, nil
}

func (r *Redactor) tree(v any) any {
	switch x := v.(type) {
	case string:
		return r.String(x)
	case []any:
		for i := range x {
			x[i] = r.tree(x[i])
		}
	case map[string]any:
		for k, e := range x {
			x[k] = r.tree(e)
		}
	}
	return v
}
