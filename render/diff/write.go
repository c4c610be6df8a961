package diff

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Formats are the formats Write accepts; the first is the default.
var Formats = []string{"text", "markdown", "html", "json"}

// DefaultMarkdownLimit is the default size limit of markdown output, in bytes: below
// GitHub's 65 536 characters for a pull-request comment, with room for a heading the
// caller adds.
const DefaultMarkdownLimit = 60000

// WriteOptions tune the writers.
type WriteOptions struct {
	// Color uses ANSI colours in text output (for a terminal; honour NO_COLOR).
	Color bool
	// MarkdownLimit is the largest markdown output, in bytes; past it Applications are left
	// out with a notice. 0 means DefaultMarkdownLimit.
	MarkdownLimit int
	// Title heads markdown and html output; default "ck8sargo diff".
	Title string
}

// ValidFormat says whether Write accepts format.
func ValidFormat(format string) bool { return slices.Contains(Formats, format) }

// Write writes rep to w in format (one of Formats).
func Write(w io.Writer, format string, rep Report, opts WriteOptions) error {
	if opts.MarkdownLimit <= 0 {
		opts.MarkdownLimit = DefaultMarkdownLimit
	}
	if opts.Title == "" {
		opts.Title = "ck8sargo diff"
	}
	switch format {
	case "text", "":
		return writeText(w, rep, opts)
	case "markdown":
		return writeMarkdown(w, rep, opts)
	case "html":
		return writeHTML(w, rep, opts)
	case "json":
		return writeJSON(w, rep)
	}
	return fmt.Errorf("unknown diff format %q: use one of %v", format, Formats)
}

// headline is the one-line summary every format starts with.
func headline(rep Report) string {
	s := rep.Summary
	if !rep.HasChanges() {
		return fmt.Sprintf("No change in %s of %s.", plural(s.Applications, "Application"), rep.Head)
	}
	return fmt.Sprintf("%d of %s changed: %s added, %d removed, %d changed.",
		s.ApplicationsChanged, plural(s.Applications, "Application"), plural(s.Added, "resource"), s.Removed, s.Changed)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// counts is "1 added, 2 changed" for an Application, naming only what is not zero.
func counts(a ApplicationDiff) string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{a.Added, "added"}, {a.Removed, "removed"}, {a.Changed, "changed"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if a.ManifestDiff != "" {
		parts = append(parts, "manifest changed")
	}
	if len(parts) == 0 {
		return "no resources"
	}
	return strings.Join(parts, ", ")
}

// where is "file:line", or file, or "".
func where(file string, line int) string {
	if file == "" {
		return ""
	}
	if line > 0 {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return file
}

// secretLine says which Secret keys changed, or "".
func secretLine(k *SecretKeys) string {
	if k.empty() {
		return ""
	}
	var parts []string
	for _, c := range []struct {
		what string
		keys []string
	}{{"added", k.Added}, {"removed", k.Removed}, {"changed", k.Changed}} {
		if len(c.keys) > 0 {
			parts = append(parts, c.what+" "+strings.Join(c.keys, ", "))
		}
	}
	return "Secret keys " + strings.Join(parts, ", ") + " (values are never shown)"
}
