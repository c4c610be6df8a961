package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/ck8sargo/ck8sargo/policy"
)

// Formats are the formats Write accepts; the first is the default.
var Formats = []string{"text", "json", "sarif", "junit", "github"}

// Options tune the writers.
type Options struct {
	// Rules give the metadata of the rules the findings name: SARIF lists them, text and
	// GitHub annotations print their remediation when a finding has none of its own.
	Rules []policy.Rule
	// ToolName and ToolVersion name the checker in SARIF and JUnit; default "ck8sargo".
	ToolName, ToolVersion string
	// InformationURI is the tool's home page in SARIF.
	InformationURI string
	// Color uses ANSI colours in text output (for a terminal; honour NO_COLOR).
	Color bool
	// ShowSuppressed lists suppressed findings in text output too.
	ShowSuppressed bool
}

// Write writes rep to w in format (one of Formats). It does not judge the report: the
// caller compares it with its failure threshold (policy.Report.Fails).
func Write(w io.Writer, format string, rep policy.Report, opts Options) error {
	if opts.ToolName == "" {
		opts.ToolName = "ck8sargo"
	}
	switch format {
	case "text", "":
		return writeText(w, rep, opts)
	case "json":
		return writeJSON(w, rep)
	case "sarif":
		return writeSARIF(w, rep, opts)
	case "junit":
		return writeJUnit(w, rep, opts)
	case "github":
		return writeGitHub(w, rep, opts)
	}
	return fmt.Errorf("unknown report format %q: use one of %v", format, Formats)
}

// ValidFormat says whether Write accepts format.
func ValidFormat(format string) bool { return slices.Contains(Formats, format) }

func writeJSON(w io.Writer, rep policy.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// ruleIndex looks rules up by ID.
type ruleIndex map[string]*policy.Rule

func indexRules(rules []policy.Rule) ruleIndex {
	idx := make(ruleIndex, len(rules))
	for i := range rules {
		idx[rules[i].ID] = &rules[i]
	}
	return idx
}

func (idx ruleIndex) remediation(f policy.Finding) string {
	if f.Remediation != "" {
		return f.Remediation
	}
	if r := idx[f.Rule]; r != nil {
		return r.Remediation
	}
	return ""
}
