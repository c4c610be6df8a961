package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/render"
)

// writeRenderYAML writes one stream: each Application's objects, introduced by a comment.
func writeRenderYAML(w io.Writer, res *render.Result, apps []render.Application) error {
	first := true
	for _, a := range apps {
		intro := fmt.Sprintf("# Application %s/%s (%s): %s\n", a.Namespace, a.Name, where(a.File, a.Line), countObjects(len(a.Objects)))
		if len(a.Objects) == 0 {
			if !first {
				intro = "---\n" + intro
			}
			if _, err := io.WriteString(w, intro); err != nil {
				return err
			}
			first = false
			continue
		}
		for i, obj := range a.Objects {
			data, err := yaml.Marshal(res.RedactObject(obj.Content))
			if err != nil {
				return fmt.Errorf("printing Application %s: %s %s: %w", a.Name, obj.GroupVersionKind().Kind, obj.Name(), err)
			}
			var b strings.Builder
			if !first {
				b.WriteString("---\n")
			}
			if i == 0 {
				b.WriteString(intro)
			}
			b.Write(data)
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			first = false
		}
	}
	return nil
}

func countObjects(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}

func where(file string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return file
}

// renderJSON is the documented shape of render -o json.
type renderJSON struct {
	Applications []renderJSONApp  `json:"applications"`
	Findings     []policy.Finding `json:"findings"`
}

type renderJSONApp struct {
	Name      string           `json:"name"`
	Namespace string           `json:"namespace"`
	File      string           `json:"file"`
	Objects   []map[string]any `json:"objects"`
}

func writeRenderJSON(w io.Writer, res *render.Result, apps []render.Application, notes []render.Note) error {
	out := renderJSON{Applications: []renderJSONApp{}, Findings: noteFindings(notes, apps)}
	for _, a := range apps {
		ja := renderJSONApp{Name: a.Name, Namespace: a.Namespace, File: a.File, Objects: make([]map[string]any, 0, len(a.Objects))}
		for _, obj := range a.Objects {
			ja.Objects = append(ja.Objects, res.RedactObject(obj.Content))
		}
		out.Applications = append(out.Applications, ja)
	}
	return printStructured(w, "json", out)
}

// noteFindings are the notes as policy findings (rule render-failed, an error, or
// not-rendered or render-warning, an info), about the Application they name.
func noteFindings(notes []render.Note, apps []render.Application) []policy.Finding {
	out := make([]policy.Finding, 0, len(notes))
	for _, n := range notes {
		f := policy.Finding{Rule: policy.RuleRenderFailed, Severity: policy.SeverityError, Message: n.Message,
			File: n.File, Line: n.Line, Application: n.Application}
		switch n.Kind {
		case render.NoteNotRendered:
			f.Rule, f.Severity = policy.RuleNotRendered, policy.SeverityInfo
		case render.NoteWarning:
			f.Rule, f.Severity = policy.RuleRenderWarning, policy.SeverityInfo
		}
		if n.Source != "" {
			f.Message = "source " + n.Source + ": " + f.Message
		}
		if n.Application != "" {
			ns := ""
			if i := slices.IndexFunc(apps, func(a render.Application) bool { return a.Name == n.Application }); i >= 0 {
				ns = apps[i].Namespace
			}
			f.Object = policy.ObjectRef{APIVersion: argocdmanaged.APIVersion, Kind: argocdmanaged.KindApplication, Namespace: ns, Name: n.Application}
		}
		out = append(out, f)
	}
	return out
}
