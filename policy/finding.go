package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/policy/fix"
)

// Severity orders findings; a check fails when a finding reaches the caller's threshold.
type Severity int

// Severities, from least to most severe. SeverityNever is only a threshold: nothing reaches it.
const (
	SeverityInfo Severity = iota + 1
	SeverityWarning
	SeverityError
	SeverityNever
)

var severityNames = map[Severity]string{
	SeverityInfo: "info", SeverityWarning: "warning", SeverityError: "error", SeverityNever: "never",
}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// ParseSeverity reads "info", "warning", "error" or "never".
func ParseSeverity(s string) (Severity, error) {
	for sev, name := range severityNames {
		if strings.EqualFold(s, name) {
			return sev, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: use error, warning, info or never", s)
}

// MarshalText writes the severity's name, as the JSON report shows it.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ObjectRef names the Kubernetes object a finding is about.
type ObjectRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
	// GenerateName is metadata.generateName of an object that has no name: the API server
	// names it with this prefix and a random suffix.
	GenerateName string `json:"generateName,omitempty"`
}

func (r ObjectRef) String() string {
	name := r.Name
	if name == "" && r.GenerateName != "" {
		name = r.GenerateName + "<generated>"
	}
	s := r.Kind
	if r.Namespace != "" && name != "" {
		s += " " + r.Namespace + "/" + name
	} else if r.Namespace != "" {
		s += " in namespace " + r.Namespace + " (no name)"
	} else if name != "" {
		s += " " + name
	}
	return s
}

// Finding is one problem found by a check: a policy rule, a notifications lint, a doctor
// probe. Its JSON form is a documented contract (docs/policy.md).
type Finding struct {
	Rule        string   `json:"rule"`
	Severity    Severity `json:"severity"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation,omitempty"`
	// Fix is the operation Remediation asks for, where a tool may carry it out with a
	// command of its own (the plugin adds its command to Remediation before printing).
	Fix    fix.Fix   `json:"-"`
	File   string    `json:"file,omitempty"`
	Line   int       `json:"line,omitempty"`
	Object ObjectRef `json:"object"`
	// Application names the Application whose rendering produced the object; empty for
	// objects read as they are.
	Application string `json:"application"`
	Suppressed  bool   `json:"suppressed"`
	// SuppressReason is the ck8sargo.io/ignore-reason of a suppressed finding.
	SuppressReason string `json:"suppressReason,omitempty"`
}

// Summary counts what a check looked at and found. Suppressed findings are counted only
// in Suppressed.
type Summary struct {
	Files      int `json:"files"`
	Objects    int `json:"objects"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Infos      int `json:"infos"`
	Suppressed int `json:"suppressed"`
}

// Report is the result of a check.
type Report struct {
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
}

// MarshalJSON writes an empty findings list as [] rather than null, as the contract says.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return json.Marshal(plain(r))
}

// Count recomputes the finding counts of the summary from the findings.
func (r *Report) Count() {
	r.Summary.Errors, r.Summary.Warnings, r.Summary.Infos, r.Summary.Suppressed = 0, 0, 0, 0
	for _, f := range r.Findings {
		switch {
		case f.Suppressed:
			r.Summary.Suppressed++
		case f.Severity == SeverityError:
			r.Summary.Errors++
		case f.Severity == SeverityWarning:
			r.Summary.Warnings++
		case f.Severity == SeverityInfo:
			r.Summary.Infos++
		}
	}
}

// Fails says whether an unsuppressed finding reaches the threshold.
func (r *Report) Fails(threshold Severity) bool {
	for _, f := range r.Findings {
		if !f.Suppressed && f.Severity >= threshold {
			return true
		}
	}
	return false
}

// ErrFindings is returned when a report has findings at or above the failure threshold.
// It is a result, not a failure to check: commands map it to exit code 1.
var ErrFindings = errors.New("findings at or above the failure threshold")
