package diff

import (
	_ "embed"
	"html/template"
	"io"
	"strings"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/render"
)

//go:embed report.html.tmpl
var htmlTemplateText string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"headline":   headline,
	"counts":     counts,
	"noteLine":   render.Note.String,
	"secretLine": secretLine,
	"anchor": func(key string) string {
		return "app-" + strings.NewReplacer("/", "-", ".", "-").Replace(key)
	},
	"diffLines": diffLines,
	"finding":   findingText,
}).Parse(htmlTemplateText))

type htmlLine struct {
	Class, Text string
}

// diffLines splits a diff into lines classed for colour.
func diffLines(d string) []htmlLine {
	var out []htmlLine
	for _, l := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
		c := "ctx"
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			c = "file"
		case strings.HasPrefix(l, "+"):
			c = "add"
		case strings.HasPrefix(l, "-"):
			c = "del"
		case strings.HasPrefix(l, "@@"):
			c = "hunk"
		}
		out = append(out, htmlLine{c, l})
	}
	return out
}

func findingText(f policy.Finding) string {
	return findingLine(f.File, f.Line, f.Rule, f.Severity.String(), f.Message, f.Application)
}

func writeHTML(w io.Writer, rep Report, opts WriteOptions) error {
	return htmlTemplate.Execute(w, struct {
		Title string
		Report
	}{opts.Title, rep})
}
