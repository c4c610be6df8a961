package render

import (
	"fmt"

	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/render/appset"
)

// generate turns an ApplicationSet into the Applications it generates, with package
// render/appset (every generator that a checkout can answer: list, git, cluster, matrix,
// merge). What it cannot expand is a note.
func (ru *run) generate(m Manifest) ([]map[string]any, []Note) {
	r := ru.r
	name := metaString(m.Content, "name")
	res, err := appset.Generate(ru.ctx, m.Content, appset.Options{
		RepoRoot: r.rootAbs, RepoURL: r.opts.RepoURL, Profile: r.opts.Profile, Cache: ru.appsetCache,
	})
	if err != nil {
		return nil, []Note{{Kind: NoteRenderFailed, File: m.File, Line: m.Line,
			Message: fmt.Sprintf("ApplicationSet %s: %s", name, oneline.Lines(err.Error()))}}
	}
	var notes []Note
	for _, n := range res.Notes {
		kind := NoteNotRendered
		if n.Kind == appset.NoteFailed {
			kind = NoteRenderFailed
		}
		notes = append(notes, Note{Kind: kind, File: m.File, Line: m.Line, Source: n.Generator,
			Message: fmt.Sprintf("ApplicationSet %s: %s", name, n.Message)})
	}
	return res.Applications, notes
}
