package diff

import (
	"fmt"
	"io"
	"strings"
)

// maxMarkdownFindings is how many policy findings markdown lists before it counts the rest.
const maxMarkdownFindings = 50

func writeMarkdown(w io.Writer, rep Report, opts WriteOptions) error {
	var head strings.Builder
	fmt.Fprintf(&head, "### %s\n\n", mdEscape(opts.Title))
	fmt.Fprintf(&head, "**%s** %s → %s\n\n", mdEscape(headline(rep)), mdCode(rep.Base), mdCode(rep.Head))
	if rep.HasChanges() {
		head.WriteString("| Application | Change | Added | Removed | Changed | File |\n|---|---|--:|--:|--:|---|\n")
		for _, a := range rep.Applications {
			manifest := ""
			if a.ManifestDiff != "" {
				manifest = " (manifest changed)"
			}
			fmt.Fprintf(&head, "| %s | %s%s | %d | %d | %d | %s |\n", mdCode(a.Key()), a.Change, manifest,
				a.Added, a.Removed, a.Changed, mdCode(a.File))
		}
		head.WriteString("\n")
	}
	if len(rep.Notes) > 0 {
		if rep.Summary.RenderFailed > 0 {
			verb := " do not render"
			if rep.Summary.RenderFailed == 1 {
				verb = " does not render"
			}
			fmt.Fprintf(&head, "> [!WARNING]\n> %s at %s: what it deploys is missing from this diff.\n",
				mdEscape(plural(rep.Summary.RenderFailed, "source")+verb), mdCode(rep.Head))
		} else {
			fmt.Fprintf(&head, "> [!NOTE]\n> Not rendered at %s:\n", mdCode(rep.Head))
		}
		head.WriteString(">\n")
		for _, n := range rep.Notes {
			fmt.Fprintf(&head, "> - %s\n", mdEscape(n.String()))
		}
		head.WriteString("\n")
	}
	if len(rep.Findings) > 0 {
		fmt.Fprintf(&head, "**Policy findings on %s** (%d):\n\n", mdCode(rep.Head), len(rep.Findings))
		for i, f := range rep.Findings {
			if i == maxMarkdownFindings {
				fmt.Fprintf(&head, "- … and %d more\n", len(rep.Findings)-i)
				break
			}
			fmt.Fprintf(&head, "- %s\n", mdEscape(findingLine(f.File, f.Line, f.Rule, f.Severity.String(), f.Message, f.Application)))
		}
		head.WriteString("\n")
	}

	out := head.String()
	limit := opts.MarkdownLimit
	var left []string
	for _, a := range rep.Applications {
		sec := mdSection(a, true)
		if len(out)+len(sec)+truncationReserve > limit {
			// Try the Application without its diffs before leaving it out.
			sec = mdSection(a, false)
		}
		if len(out)+len(sec)+truncationReserve > limit {
			left = append(left, a.Key())
			continue
		}
		out += sec
	}
	if len(left) > 0 {
		notice := fmt.Sprintf("> [!IMPORTANT]\n> Truncated: this comment would pass %d characters, so %s not shown: %s. "+
			"Run the diff locally, or as text or html, to see everything.\n",
			limit, mdEscape(plural(len(left), "Application")+" are"), mdEscape(strings.Join(left, ", ")))
		if len(out)+len(notice) > limit {
			notice = fmt.Sprintf("> [!IMPORTANT]\n> Truncated: %s not shown. Run the diff locally, or as text or html, to see everything.\n",
				mdEscape(plural(len(left), "more Application")+" are"))
		}
		out += notice
	}
	if len(out) > limit {
		// Only a very long summary gets here: cut it on a line boundary.
		cut := strings.LastIndexByte(out[:limit-len(cutNotice)], '\n')
		out = out[:cut+1] + cutNotice
	}
	_, err := io.WriteString(w, out)
	return err
}

// truncationReserve keeps room for the truncation notice.
const truncationReserve = 600

const cutNotice = "\n> [!IMPORTANT]\n> Truncated: the summary alone passes the size limit. Run the diff locally to see everything.\n"

// mdSection is the collapsible section of one Application, with or without its diffs.
func mdSection(a ApplicationDiff, diffs bool) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "<details>\n<summary><b>%s</b> %s: %s</summary>\n\n", htmlText(a.Key()), a.Change, htmlText(counts(a)))
	if a.File != "" {
		fmt.Fprintf(&sb, "Defined in %s.\n\n", mdCode(a.File))
	}
	if a.ManifestDiff != "" {
		sb.WriteString("The Application manifest changed:\n\n")
		if diffs {
			sb.WriteString(mdFence(a.ManifestDiff))
		}
	}
	for _, r := range a.Resources {
		fmt.Fprintf(&sb, "**%s** %s", r.Change, mdCode(r.ResourceID.String()))
		if r.File != "" {
			fmt.Fprintf(&sb, " from %s", mdCode(r.File))
		}
		sb.WriteString("\n\n")
		if s := secretLine(r.SecretKeys); s != "" {
			sb.WriteString(mdEscape(s) + "\n\n")
		}
		if diffs {
			sb.WriteString(mdFence(r.Diff))
		}
	}
	if !diffs {
		sb.WriteString("_The diffs of this Application are left out: they pass the size limit._\n\n")
	}
	sb.WriteString("</details>\n\n")
	return sb.String()
}

// mdFence puts a diff in a fenced block longer than any run of backticks inside it.
func mdFence(d string) string {
	longest, run := 0, 0
	for _, c := range d {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + "diff\n" + d + fence + "\n\n"
}

// mdCode is s as inline code, safe in a table cell.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	if strings.Contains(s, "`") {
		return "``" + " " + s + " " + "``"
	}
	return "`" + s + "`"
}

var mdReplacer = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;",
	"|", `\|`, "#", `\#`, "\n", " ",
)

// mdEscape is s as plain text in markdown: no emphasis, links, HTML or table breaks.
func mdEscape(s string) string { return mdReplacer.Replace(s) }

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// htmlText is s escaped for HTML inside a markdown comment's raw HTML.
func htmlText(s string) string { return htmlReplacer.Replace(s) }
