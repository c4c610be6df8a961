package diff

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/render"
)

// Change says what happened to an Application or a resource from base to head.
type Change string

// The changes Compare reports.
const (
	Added   Change = "added"
	Removed Change = "removed"
	Changed Change = "changed"
)

// Options tune Compare. Start from DefaultOptions.
type Options struct {
	// Context is the number of unchanged lines shown around each change in unified diffs.
	Context int
	// BaseLabel and HeadLabel name the two sides in the report and the diff headers, for
	// example a git revision and "working tree". Default "base" and "head".
	BaseLabel, HeadLabel string
}

// DefaultOptions are three lines of context and the labels "base" and "head".
func DefaultOptions() Options {
	return Options{Context: 3, BaseLabel: "base", HeadLabel: "head"}
}

// ResourceID names a resource within an Application: its API group, kind, namespace and name.
type ResourceID struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// String is "group/Kind namespace/name", the group and namespace left out when empty.
func (id ResourceID) String() string {
	s := id.Kind
	if id.Group != "" {
		s = id.Group + "/" + s
	}
	if id.Namespace != "" {
		return s + " " + id.Namespace + "/" + id.Name
	}
	return s + " " + id.Name
}

func (id ResourceID) compare(o ResourceID) int {
	return cmp.Or(cmp.Compare(id.Group, o.Group), cmp.Compare(id.Kind, o.Kind),
		cmp.Compare(id.Namespace, o.Namespace), cmp.Compare(id.Name, o.Name))
}

// SecretKeys says which keys of a Secret's data and stringData were added, removed or had
// their value changed. Values are never kept.
type SecretKeys struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

func (s *SecretKeys) empty() bool {
	return s == nil || len(s.Added)+len(s.Removed)+len(s.Changed) == 0
}

// ResourceDiff is one resource that was added, removed or changed.
type ResourceDiff struct {
	ResourceID
	Change Change `json:"change"`
	// APIVersion is the head's apiVersion (the base's for a removed resource).
	APIVersion string `json:"apiVersion"`
	// File is the file the resource was rendered from: the head's, or the base's for a
	// removed resource.
	File string `json:"file,omitempty"`
	// Diff is the unified diff of the resource's YAML (keys sorted, Secret values
	// redacted), headed "--- BaseLabel/..." and "+++ HeadLabel/...".
	Diff string `json:"diff"`
	// SecretKeys is set for a Secret whose data or stringData keys changed.
	SecretKeys *SecretKeys `json:"secretKeys,omitempty"`
}

// ApplicationDiff is one Application that was added, removed, or whose resources or own
// manifest changed.
type ApplicationDiff struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// File is the manifest that defines the Application (the head's, or the base's for a
	// removed one).
	File   string `json:"file"`
	Change Change `json:"change"`
	// ManifestDiff is the unified diff of the Application manifest itself, for a changed
	// Application whose manifest changed; "" otherwise.
	ManifestDiff string `json:"manifestDiff,omitempty"`
	// Resources are the resources that changed, sorted by group, kind, namespace and name.
	Resources []ResourceDiff `json:"resources"`
	// Added, Removed and Changed count Resources.
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

// Key is "namespace/name", how Applications are matched between base and head.
func (a ApplicationDiff) Key() string { return appKey(a.Namespace, a.Name) }

func appKey(ns, name string) string { return ns + "/" + name }

// Summary counts a report.
type Summary struct {
	// Applications is the number of Applications in base or head.
	Applications int `json:"applications"`
	// ApplicationsChanged is len(Report.Applications).
	ApplicationsChanged int `json:"applicationsChanged"`
	// Added, Removed and Changed count resources over all Applications.
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
	// RenderFailed counts the render-failed notes of the head.
	RenderFailed int `json:"renderFailed"`
}

// Report is what Compare returns: the Applications that changed, in order of namespace and
// name, and what the reader should know about the head.
type Report struct {
	Base, Head   string
	Applications []ApplicationDiff
	// Notes are the head's render-failed notes (the diff is incomplete where a source
	// does not render) and its not-rendered notes that the base does not have.
	Notes []render.Note
	// Findings are added by the caller, for example a policy check of the head.
	Findings []policy.Finding
	Summary  Summary
}

// HasChanges says whether an Application or resource was added, removed or changed.
func (r *Report) HasChanges() bool { return len(r.Applications) > 0 }

// Compare compares what base and head deploy, per Application (matched by namespace and
// name) and per resource (matched by group, kind, namespace and name). Secret data and
// stringData values are redacted before anything is compared or shown: only which keys
// changed is reported. A nil Result is one without Applications.
func Compare(base, head *render.Result, opts Options) Report {
	def := DefaultOptions()
	if opts.BaseLabel == "" {
		opts.BaseLabel = def.BaseLabel
	}
	if opts.HeadLabel == "" {
		opts.HeadLabel = def.HeadLabel
	}
	if opts.Context < 0 {
		opts.Context = 0
	}
	if base == nil {
		base = &render.Result{}
	}
	if head == nil {
		head = &render.Result{}
	}
	rep := Report{Base: opts.BaseLabel, Head: opts.HeadLabel}
	baseApps := indexApps(base.Applications)
	headApps := indexApps(head.Applications)
	keys := slices.Sorted(maps.Keys(baseApps))
	for k := range headApps {
		if _, ok := baseApps[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(nsOf(a), nsOf(b)), cmp.Compare(a, b))
	})
	rep.Summary.Applications = len(keys)
	for _, k := range keys {
		ad, ok := compareApp(baseApps[k], headApps[k], opts, base, head)
		if !ok {
			continue
		}
		rep.Applications = append(rep.Applications, ad)
		rep.Summary.Added += ad.Added
		rep.Summary.Removed += ad.Removed
		rep.Summary.Changed += ad.Changed
	}
	rep.Summary.ApplicationsChanged = len(rep.Applications)
	rep.Notes = headNotes(base, head)
	for _, n := range rep.Notes {
		if n.Kind == render.NoteRenderFailed {
			rep.Summary.RenderFailed++
		}
	}
	return rep
}

func nsOf(key string) string { ns, _, _ := strings.Cut(key, "/"); return ns }

func indexApps(apps []render.Application) map[string]*render.Application {
	m := make(map[string]*render.Application, len(apps))
	for i := range apps {
		m[appKey(apps[i].Namespace, apps[i].Name)] = &apps[i]
	}
	return m
}

func compareApp(b, h *render.Application, opts Options, baseRes, headRes *render.Result) (ApplicationDiff, bool) {
	some := h
	if some == nil {
		some = b
	}
	ad := ApplicationDiff{Name: some.Name, Namespace: some.Namespace, File: some.File, Change: Changed}
	switch {
	case b == nil:
		ad.Change = Added
	case h == nil:
		ad.Change = Removed
	default:
		ad.ManifestDiff = unified(opts.BaseLabel+"/"+ad.Key(), opts.HeadLabel+"/"+ad.Key(),
			toYAML(b.Manifest), toYAML(h.Manifest), opts.Context)
	}
	bo, ho := indexObjects(b), indexObjects(h)
	ids := make([]ResourceID, 0, len(bo)+len(ho))
	for id := range bo {
		ids = append(ids, id)
	}
	for id := range ho {
		if _, ok := bo[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, ResourceID.compare)
	for _, id := range ids {
		rd, ok := compareObject(id, bo[id], ho[id], opts, baseRes, headRes)
		if !ok {
			continue
		}
		switch rd.Change {
		case Added:
			ad.Added++
		case Removed:
			ad.Removed++
		case Changed:
			ad.Changed++
		}
		ad.Resources = append(ad.Resources, rd)
	}
	changed := ad.Change != Changed || ad.ManifestDiff != "" || len(ad.Resources) > 0
	return ad, changed
}

func indexObjects(app *render.Application) map[ResourceID]render.Object {
	if app == nil {
		return nil
	}
	m := make(map[ResourceID]render.Object, len(app.Objects))
	for _, o := range app.Objects {
		m[idOf(o)] = o // a duplicate left in the result: the last one wins, as in Argo CD
	}
	return m
}

func idOf(o render.Object) ResourceID {
	gvk := o.GroupVersionKind()
	return ResourceID{Group: gvk.Group, Kind: gvk.Kind, Namespace: o.Namespace(), Name: o.Name()}
}

func compareObject(id ResourceID, b, h render.Object, opts Options, baseRes, headRes *render.Result) (ResourceDiff, bool) {
	rd := ResourceDiff{ResourceID: id}
	path := id.Group
	if path == "" {
		path = "core"
	}
	path += "/" + id.Kind + "/"
	if id.Namespace != "" {
		path += id.Namespace + "/"
	}
	path += id.Name
	from, to := opts.BaseLabel+"/"+path, opts.HeadLabel+"/"+path
	bc, hc := b.Content, h.Content
	if isSecret(id) {
		bc, hc, rd.SecretKeys = redactSecrets(bc, hc)
		if rd.SecretKeys.empty() {
			rd.SecretKeys = nil
		}
	} else {
		bc, hc = redactDecrypted(bc, hc, baseRes, headRes)
	}
	switch {
	case bc == nil:
		rd.Change, rd.File, rd.APIVersion = Added, h.File, apiVersion(hc)
		from = "/dev/null"
	case hc == nil:
		rd.Change, rd.File, rd.APIVersion = Removed, b.File, apiVersion(bc)
		to = "/dev/null"
	default:
		rd.Change, rd.File, rd.APIVersion = Changed, h.File, apiVersion(hc)
	}
	by, hy := toYAML(bc), toYAML(hc)
	if rd.Change == Changed && by == hy {
		return rd, false
	}
	rd.Diff = unified(from, to, by, hy, opts.Context)
	return rd, true
}

func apiVersion(m map[string]any) string {
	s, _ := m["apiVersion"].(string)
	return s
}

var secretGK = schema.GroupKind{Kind: "Secret"}

func isSecret(id ResourceID) bool { return id.Group == secretGK.Group && id.Kind == secretGK.Kind }

// toYAML is m as YAML with its keys sorted; "" for nil.
func toYAML(m map[string]any) string {
	if m == nil {
		return ""
	}
	data, err := yaml.Marshal(m)
	if err != nil {
		// Rendered objects are decoded YAML or JSON and always marshal; show the problem
		// rather than hide the object.
		return "# cannot be shown as YAML: " + err.Error() + "\n"
	}
	return string(data)
}

// headNotes are the render-failed notes of head and its not-rendered notes that base lacks.
func headNotes(base, head *render.Result) []render.Note {
	type noteKey struct {
		kind                   render.NoteKind
		app, source, file, msg string
	}
	keyOf := func(n render.Note) noteKey { return noteKey{n.Kind, n.Application, n.Source, n.File, n.Message} }
	inBase := map[noteKey]bool{}
	for _, n := range allNotes(base) {
		inBase[keyOf(n)] = true
	}
	var out []render.Note
	for _, n := range allNotes(head) {
		if n.Kind == render.NoteRenderFailed || !inBase[keyOf(n)] {
			out = append(out, n)
		}
	}
	return out
}

func allNotes(r *render.Result) []render.Note {
	notes := slices.Clone(r.Notes)
	for _, a := range r.Applications {
		for _, n := range a.Notes {
			if n.Application == "" {
				n.Application = appKey(a.Namespace, a.Name)
			}
			notes = append(notes, n)
		}
	}
	return notes
}
