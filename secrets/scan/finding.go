package scan

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ck8sargo/ck8sargo/policy/fix"
)

// Check names what a finding is about. The values are stable: pre-commit output, JSON
// reports and the policy rules of the same names rely on them.
type Check string

// The checks of this package.
const (
	// CheckPlaintextSecret is a Secret manifest with data or stringData in plaintext.
	CheckPlaintextSecret Check = "plaintext-secret"
	// CheckUnencryptedFile is a file that must be sops-encrypted (a .sops.yaml creation rule
	// with a path_regex matches it, or an Application references it through secrets://) but
	// is not, has no MAC, or has leaves left in plaintext.
	CheckUnencryptedFile Check = "unencrypted-secrets-file"
	// CheckPrivateKey is private key material: a PGP private key block, an age identity or a
	// PEM private key.
	CheckPrivateKey Check = "private-key"
	// CheckConflictMarker is a git conflict marker inside a sops-encrypted file.
	CheckConflictMarker Check = "conflict-marker"
	// CheckCredential is a credential found by gitleaks' rule set: a cloud key, an API
	// token, a password in a .env file or a kustomize secretGenerator literal. Rule names
	// the gitleaks rule.
	CheckCredential Check = "credential"
	// CheckTooLarge is a file over MaxFileSize, which the scan does not read: it fails the
	// scan rather than pass unchecked.
	CheckTooLarge Check = "file-too-large"
)

// Finding is one problem, located at File:Line. It never holds a secret value: Key is the
// path of keys to a leaf (keys are not secret), Message says what is wrong and Remediation
// what to do.
type Finding struct {
	Check Check  `json:"check"`
	File  string `json:"file"`
	Line  int    `json:"line"`
	// Column is 1-based, or 0 when the finding is about a whole line or file.
	Column int `json:"column,omitempty"`
	// EndLine is the last line of the block a finding is about (the entries of a Secret's
	// data, the literals of a secretGenerator); 0 when it is about one line or the file.
	EndLine int `json:"endLine,omitempty"`
	// Key is the dotted path of the leaf or field concerned, e.g. "db.password" or
	// "data.token"; empty when the finding is about the whole file.
	Key string `json:"key,omitempty"`
	// Rule is the gitleaks rule of a CheckCredential finding, e.g. "aws-access-token".
	Rule        string `json:"rule,omitempty"`
	Message     string `json:"message"`
	Remediation string `json:"remediation,omitempty"`
	// Fix is the operation Remediation asks for, where a tool may carry it out with a
	// command of its own (package fix); the JSON form leaves it out.
	Fix fix.Fix `json:"-"`
	// Fingerprint is FILE:RULE:LINE (RULE the gitleaks rule or else the check), the form of
	// gitleaks' .gitleaksignore: an entry of secrets.scan.ignore in .ck8sargo.yaml lets
	// the finding pass. Scan sets it.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// String is the one-line file:line form a pre-commit hook prints.
func (f Finding) String() string {
	if f.Rule != "" {
		return fmt.Sprintf("%s:%d: %s (%s): %s", f.File, f.Line, f.Check, f.Rule, f.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Check, f.Message)
}

// SortFindings orders findings by file, line, column and check, and drops exact duplicates
// (the same problem found twice, e.g. from a path and from a secrets:// reference).
func SortFindings(fs []Finding) []Finding {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column), cmp.Compare(a.Check, b.Check),
			cmp.Compare(a.Key, b.Key), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(fs)
}
