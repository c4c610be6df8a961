package diff

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

const (
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiCyan  = "\x1b[36m"
	ansiBold  = "\x1b[1m"
	ansiReset = "\x1b[0m"
)

func writeText(w io.Writer, rep Report, opts WriteOptions) error {
	bw := bufio.NewWriter(w)
	bold := func(s string) string {
		if opts.Color {
			return ansiBold + s + ansiReset
		}
		return s
	}
	fmt.Fprintf(bw, "%s -> %s: %s\n", rep.Base, rep.Head, headline(rep))
	for _, a := range rep.Applications {
		fmt.Fprintf(bw, "\n%s\n", bold(fmt.Sprintf("Application %s %s (%s): %s", a.Key(), a.Change, a.File, counts(a))))
		if a.ManifestDiff != "" {
			fmt.Fprintln(bw, "  the Application manifest changed:")
			writeTextDiff(bw, a.ManifestDiff, opts.Color)
		}
		for _, r := range a.Resources {
			line := fmt.Sprintf("  %s %s", r.Change, r.ResourceID)
			if r.File != "" {
				line += " (" + r.File + ")"
			}
			fmt.Fprintln(bw, line)
			if s := secretLine(r.SecretKeys); s != "" {
				fmt.Fprintln(bw, "  "+s)
			}
			writeTextDiff(bw, r.Diff, opts.Color)
		}
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintf(bw, "\nNotes on %s:\n", rep.Head)
		for _, n := range rep.Notes {
			fmt.Fprintln(bw, "  "+n.String())
		}
	}
	if len(rep.Findings) > 0 {
		fmt.Fprintf(bw, "\nPolicy findings on %s:\n", rep.Head)
		for _, f := range rep.Findings {
			fmt.Fprintln(bw, "  "+findingLine(f.File, f.Line, f.Rule, f.Severity.String(), f.Message, f.Application))
		}
	}
	return bw.Flush()
}

func findingLine(file string, line int, rule, sev, msg, app string) string {
	s := rule + " " + sev + ": " + msg
	if w := where(file, line); w != "" {
		s = w + " " + s
	}
	if app != "" {
		s += " (Application " + app + ")"
	}
	return s
}

func writeTextDiff(w io.Writer, d string, color bool) {
	for _, l := range strings.SplitAfter(d, "\n") {
		if l == "" {
			continue
		}
		if color {
			switch {
			case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
				l = ansiBold + strings.TrimSuffix(l, "\n") + ansiReset + "\n"
			case strings.HasPrefix(l, "+"):
				l = ansiGreen + strings.TrimSuffix(l, "\n") + ansiReset + "\n"
			case strings.HasPrefix(l, "-"):
				l = ansiRed + strings.TrimSuffix(l, "\n") + ansiReset + "\n"
			case strings.HasPrefix(l, "@@"):
				l = ansiCyan + strings.TrimSuffix(l, "\n") + ansiReset + "\n"
			}
		}
		io.WriteString(w, "    "+l)
	}
}
