package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/ck8sargo/ck8sargo/policy"
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

// writeText groups findings by file: a heading per file, then
// "file:line rule severity message" and the remediation under it, then a summary.
func writeText(w io.Writer, rep policy.Report, opts Options) error {
	bw := bufio.NewWriter(w)
	idx := indexRules(opts.Rules)
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	file := "\x00"
	for _, f := range rep.Findings {
		if f.Suppressed && !opts.ShowSuppressed {
			continue
		}
		if f.File != file {
			if file != "\x00" {
				fmt.Fprintln(bw)
			}
			file = f.File
			name := file
			if name == "" {
				name = "(no file)"
			}
			fmt.Fprintln(bw, paint(ansiBold, name))
		}
		loc := f.File
		if f.Line > 0 {
			loc += ":" + strconv.Itoa(f.Line)
		}
		sev := f.Severity.String()
		switch f.Severity {
		case policy.SeverityError:
			sev = paint(ansiRed, sev)
		case policy.SeverityWarning:
			sev = paint(ansiYellow, sev)
		default:
			sev = paint(ansiCyan, sev)
		}
		msg := f.Message
		if f.Object.Kind != "" {
			msg = f.Object.String() + ": " + msg
		}
		if f.Application != "" {
			msg += " (rendered by Application " + f.Application + ")"
		}
		if f.Suppressed {
			msg += " [suppressed"
			if f.SuppressReason != "" {
				msg += ": " + f.SuppressReason
			}
			msg += "]"
		}
		fmt.Fprintf(bw, "%s %s %s %s\n", loc, f.Rule, sev, msg)
		if rem := idx.remediation(f); rem != "" {
			fmt.Fprintf(bw, "  %s %s\n", paint(ansiDim, "fix:"), rem)
		}
	}
	if file != "\x00" {
		fmt.Fprintln(bw)
	}
	s := rep.Summary
	fmt.Fprintf(bw, "%d object(s) in %d file(s): %d error(s), %d warning(s), %d info(s)", s.Objects, s.Files, s.Errors, s.Warnings, s.Infos)
	if s.Suppressed > 0 {
		fmt.Fprintf(bw, ", %d suppressed", s.Suppressed)
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}
