package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ck8sargo/ck8sargo/policy"
)

// findingGroup is findings under a heading: a doctor check, a go-live item. Commands that
// look at a live cluster group this way because most of their findings are about objects
// that come from no file, where policy check's per-file headings would say "(no file)".
type findingGroup struct {
	heading  string
	findings []policy.Finding
}

// writeFindingGroups writes each group that has a finding to show: its heading, then one
// line per finding ("file:line rule severity object: message", the location left out for
// a live object) and its remediation under it. Suppressed findings are left out.
func writeFindingGroups(w io.Writer, groups []findingGroup) error {
	var b strings.Builder
	for _, g := range groups {
		shown := 0
		for _, f := range g.findings {
			if f.Suppressed {
				continue
			}
			if shown == 0 {
				b.WriteString(g.heading + "\n")
			}
			shown++
			b.WriteString("  ")
			if f.File != "" {
				b.WriteString(f.File)
				if f.Line > 0 {
					b.WriteString(":" + strconv.Itoa(f.Line))
				}
				b.WriteString(" ")
			}
			msg := f.Message
			if f.Object.Kind != "" {
				msg = f.Object.String() + ": " + msg
			}
			if f.Application != "" {
				msg += " (rendered by Application " + f.Application + ")"
			}
			fmt.Fprintf(&b, "%s %s %s\n", f.Rule, f.Severity, msg)
			if f.Remediation != "" {
				b.WriteString("    fix: " + f.Remediation + "\n")
			}
		}
		if shown > 0 {
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// severityCounts is "1 error, 2 warnings, no infos" for the unsuppressed findings, with
// ", 1 suppressed" when some are.
func severityCounts(s policy.Summary) string {
	out := fmt.Sprintf("%s, %s, %s", nounCount(s.Errors, "error"), nounCount(s.Warnings, "warning"), nounCount(s.Infos, "info"))
	if s.Suppressed > 0 {
		out += fmt.Sprintf(", %d suppressed", s.Suppressed)
	}
	return out
}

// nounCount is "no things", "1 thing" or "n things".
func nounCount(n int, noun string) string {
	switch n {
	case 0:
		return "no " + noun + "s"
	case 1:
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
