package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/ck8sargo/ck8sargo/policy"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

// writeJUnit writes one test suite per file and one test case per finding: a failure for
// errors and warnings, passing (with the message as output) for infos, skipped for
// suppressed findings. A report without findings is one passing case, so CI shows the
// check ran.
func writeJUnit(w io.Writer, rep policy.Report, opts Options) error {
	idx := indexRules(opts.Rules)
	doc := junitSuites{Name: opts.ToolName}
	suiteOf := map[string]int{}
	for _, f := range rep.Findings {
		name := f.File
		if name == "" {
			name = "(no file)"
		}
		i, ok := suiteOf[name]
		if !ok {
			i = len(doc.Suites)
			suiteOf[name] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: name})
		}
		s := &doc.Suites[i]
		tc := junitCase{Classname: f.Rule, File: f.File, Line: f.Line, Name: caseName(f)}
		switch {
		case f.Suppressed:
			tc.Skipped = &junitSkipped{Message: "suppressed: " + f.SuppressReason}
			s.Skipped++
		case f.Severity >= policy.SeverityWarning:
			text := f.Message
			if rem := idx.remediation(f); rem != "" {
				text += "\nfix: " + rem
			}
			tc.Failure = &junitFailure{Message: f.Message, Type: f.Severity.String(), Text: text}
			s.Failures++
		default:
			tc.SystemOut = f.Message
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	if len(doc.Suites) == 0 {
		doc.Suites = []junitSuite{{Name: opts.ToolName, Tests: 1, Cases: []junitCase{{
			Name: fmt.Sprintf("%d object(s) in %d file(s)", rep.Summary.Objects, rep.Summary.Files), Classname: opts.ToolName,
		}}}}
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func caseName(f policy.Finding) string {
	name := f.File
	if f.Line > 0 {
		name += ":" + strconv.Itoa(f.Line)
	}
	if f.Object.Kind != "" {
		name += " " + f.Object.String()
	}
	return name + " " + f.Rule
}
