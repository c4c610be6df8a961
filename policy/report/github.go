package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ck8sargo/ck8sargo/policy"
)

// writeGitHub writes GitHub Actions workflow commands (::error file=...,line=...::msg), one
// per unsuppressed finding, so that findings show as annotations on the pull request.
func writeGitHub(w io.Writer, rep policy.Report, opts Options) error {
	bw := bufio.NewWriter(w)
	idx := indexRules(opts.Rules)
	for _, f := range rep.Findings {
		if f.Suppressed {
			continue
		}
		cmd := "notice"
		switch f.Severity {
		case policy.SeverityError:
			cmd = "error"
		case policy.SeverityWarning:
			cmd = "warning"
		}
		var props []string
		if f.File != "" {
			props = append(props, "file="+escapeProperty(f.File))
			if f.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Line))
			}
		}
		props = append(props, "title="+escapeProperty(f.Rule))
		msg := resultMessage(f)
		if f.Object.Kind != "" {
			msg = f.Object.String() + ": " + msg
		}
		if rem := idx.remediation(f); rem != "" {
			msg += "\nfix: " + rem
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(msg))
	}
	return bw.Flush()
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
