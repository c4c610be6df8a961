package diff

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/ck8sargo/ck8sargo/policy"
)

// jsonReport is the documented JSON form of a Report (docs/render.md).
type jsonReport struct {
	Base         string            `json:"base"`
	Head         string            `json:"head"`
	Summary      Summary           `json:"summary"`
	Applications []ApplicationDiff `json:"applications"`
	Notes        []jsonNote        `json:"notes"`
	Findings     []policy.Finding  `json:"findings"`
}

type jsonNote struct {
	Kind        string `json:"kind"`
	Application string `json:"application,omitempty"`
	Source      string `json:"source,omitempty"`
	File        string `json:"file,omitempty"`
	Line        int    `json:"line,omitempty"`
	Message     string `json:"message"`
}

func writeJSON(w io.Writer, rep Report) error {
	out := jsonReport{
		Base: rep.Base, Head: rep.Head, Summary: rep.Summary,
		Applications: slices.Clone(rep.Applications), Notes: []jsonNote{}, Findings: rep.Findings,
	}
	if out.Applications == nil {
		out.Applications = []ApplicationDiff{}
	}
	for i := range out.Applications {
		if out.Applications[i].Resources == nil {
			out.Applications[i].Resources = []ResourceDiff{}
		}
	}
	for _, n := range rep.Notes {
		out.Notes = append(out.Notes, jsonNote{string(n.Kind), n.Application, n.Source, n.File, n.Line, n.Message})
	}
	if out.Findings == nil {
		out.Findings = []policy.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
