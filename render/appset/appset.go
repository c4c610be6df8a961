package appset

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Options says what Generate may read: the checkout that git generators expand from, and the
// platform's one cluster for the cluster generator.
type Options struct {
	// RepoRoot is the checkout. Git generators read it, confined to it: symbolic links are
	// resolved and must stay inside.
	RepoRoot string
	// RepoURL is the repository RepoRoot is a checkout of. A git generator expands only
	// when its repoURL is this one (compared as policy.NormalizeRepoURL compares them).
	RepoURL string
	// Profile gives the one cluster (argocd.server, argocd.serverName) and the Argo CD
	// namespace (for an ApplicationSet without metadata.namespace).
	Profile argocdmanaged.Profile
	// Revisions are the names the checkout answers to besides HEAD and "" (a branch, a tag,
	// a commit). Nil means: read the branch and commit from RepoRoot/.git.
	Revisions []string
	// Cache, when set, keeps the checkout's directory and file lists between calls, so
	// that many ApplicationSets over one checkout list it once. The checkout must not
	// change while the cache is in use.
	Cache *Cache
}

// NoteKind tells notes apart.
type NoteKind string

const (
	// NoteNotRendered says that a generator cannot be expanded from a checkout (an SCM
	// provider, pull requests, a plugin, another repository, a revision that is not checked
	// out): Argo CD may well generate Applications from it, but they were not seen.
	NoteNotRendered NoteKind = "not-rendered"
	// NoteFailed says that Argo CD's ApplicationSet controller would fail on the input too:
	// a template that does not parse, a missing key under missingkey=error, a matrix nested
	// too deep, duplicate Application names, a git path outside the repository.
	NoteFailed NoteKind = "failed"
)

// Note is something that was not generated, naming the generator and the reason.
type Note struct {
	Kind NoteKind
	// Generator is the generator's path in the ApplicationSet, such as
	// "spec.generators[0].matrix.generators[1].git"; "spec.templatePatch" or
	// "spec.template" for problems of the template.
	Generator string
	// Message is one line.
	Message string
	// OtherRepository is the repoURL of a git generator that was not rendered because it
	// is not Options.RepoURL: when the checkout is that repository, naming it as RepoURL
	// renders it.
	OtherRepository string
}

// Origin says where one generated Application came from.
type Origin struct {
	// Generator is the path of the top-level generator, such as "spec.generators[1]".
	Generator string
	// Template is the path of the template the Application was rendered from:
	// "spec.template", or the generator's own template (for example
	// "spec.generators[1].list.template") merged over it.
	Template string
	// Params are the parameters the template was rendered with.
	Params map[string]any
}

// Result is what Generate returns.
type Result struct {
	// Applications are complete Application objects (apiVersion, kind, metadata with the
	// ApplicationSet's namespace, spec), in the order Argo CD generates them.
	Applications []map[string]any
	// Origins is parallel to Applications.
	Origins []Origin
	// Notes are what could not be generated.
	Notes []Note
}

// resourcesFinalizer is the finalizer the ApplicationSet controller adds to a generated
// Application unless the template has finalizers or the ApplicationSet preserves resources
// on deletion.
const resourcesFinalizer = "resources-finalizer.argocd.argoproj.io"

// Generate expands an ApplicationSet into the Applications Argo CD's ApplicationSet
// controller (v3.5) would generate from it, offline. Bad input is a NoteFailed, never an
// error; the error is only ctx's.
func Generate(ctx context.Context, appSet map[string]any, opts Options) (Result, error) {
	g, err := newGeneration(ctx, appSet, opts)
	if err != nil {
		return Result{}, err
	}
	if g.res.Notes != nil {
		return g.res, nil
	}
	for i, raw := range g.generators {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		where := fmt.Sprintf("spec.generators[%d]", i)
		gen, ok := raw.(map[string]any)
		if !ok {
			g.fail(where, "a generator must be an object")
			continue
		}
		results, err := g.transform(gen, where, g.template, nil, 0)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return Result{}, ctxErr
			}
			g.noteErr(where, err)
			continue
		}
		for _, tr := range results {
			for _, p := range tr.params {
				if err := ctx.Err(); err != nil {
					return Result{}, err
				}
				g.emit(where, tr, p)
			}
		}
	}
	g.dedupe()
	return g.res, nil
}

// generation is the state of one Generate call.
type generation struct {
	ctx        context.Context
	opts       Options
	name       string
	namespace  string
	goTemplate bool
	options    []string
	template   map[string]any
	patch      *string
	preserve   bool
	hasSync    bool
	generators []any
	tmpl       *renderer
	repo       *checkout
	res        Result
	seenNotes  map[Note]bool
}

func newGeneration(ctx context.Context, appSet map[string]any, opts Options) (*generation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g := &generation{ctx: ctx, opts: opts, seenNotes: map[Note]bool{}}
	// Argo CD reads the ApplicationSet as JSON: numbers are float64 from here on, as they
	// are in the controller.
	var doc map[string]any
	b, err := json.Marshal(appSet)
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	if err != nil {
		g.fail("spec", "the ApplicationSet is not a JSON object: "+err.Error())
		return g, nil
	}
	md, _ := doc["metadata"].(map[string]any)
	g.name, _ = md["name"].(string)
	g.namespace, _ = md["namespace"].(string)
	if g.namespace == "" {
		g.namespace = opts.Profile.ArgoCD.Namespace
	}
	spec, _ := doc["spec"].(map[string]any)
	if spec == nil {
		// No generators: Argo CD generates nothing.
		spec = map[string]any{}
	}
	g.goTemplate, _ = spec["goTemplate"].(bool)
	for _, o := range asSlice(spec["goTemplateOptions"]) {
		if s, ok := o.(string); ok {
			g.options = append(g.options, s)
		}
	}
	g.template, _ = spec["template"].(map[string]any)
	if g.template == nil {
		g.template = map[string]any{}
	}
	if p, ok := spec["templatePatch"].(string); ok {
		g.patch = &p
	}
	if sp, ok := spec["syncPolicy"].(map[string]any); ok {
		g.hasSync = true
		g.preserve, _ = sp["preserveResourcesOnDeletion"].(bool)
	}
	g.generators = asSlice(spec["generators"])
	g.tmpl = newRenderer(g.goTemplate, g.options, opts.Cache)
	g.repo = newCheckout(opts)
	return g, nil
}

// emit renders one Application from a template and one parameter set, as
// GenerateApplications does: template, finalizer, templatePatch, namespace.
func (g *generation) emit(where string, tr transformResult, params map[string]any) {
	app, err := g.renderApplication(tr.template, params)
	if err != nil {
		g.fail(tr.templatePath, "rendering the template: "+err.Error())
		return
	}
	if g.patch != nil {
		app, err = g.applyPatch(app, params)
		if err != nil {
			g.fail("spec.templatePatch", "applying the templatePatch: "+err.Error())
			return
		}
	}
	md := app["metadata"].(map[string]any)
	md["namespace"] = g.namespace
	out := map[string]any{
		"apiVersion": argocdmanaged.Group + "/v1alpha1",
		"kind":       argocdmanaged.KindApplication,
		"metadata":   md,
	}
	if spec, ok := app["spec"]; ok {
		out["spec"] = spec
	} else {
		out["spec"] = map[string]any{}
	}
	g.res.Applications = append(g.res.Applications, out)
	g.res.Origins = append(g.res.Origins, Origin{Generator: where, Template: tr.templatePath, Params: params})
}

// renderApplication is RenderTemplateParams over GetTempApplication.
func (g *generation) renderApplication(template map[string]any, params map[string]any) (map[string]any, error) {
	tmd, _ := template["metadata"].(map[string]any)
	md := map[string]any{}
	for _, k := range []string{"name", "namespace", "labels", "annotations", "finalizers"} {
		if v, ok := tmd[k]; ok && v != nil {
			md[k] = deepCopy(v)
		}
	}
	app := map[string]any{"metadata": md}
	if spec, ok := template["spec"]; ok && spec != nil {
		app["spec"] = deepCopy(spec)
	}
	if len(params) == 0 {
		return app, nil
	}
	rendered, err := g.tmpl.deep(app, params, nil)
	if err != nil {
		return nil, err
	}
	app = rendered.(map[string]any)
	md = app["metadata"].(map[string]any)
	if (!g.hasSync || !g.preserve) && len(asSlice(md["finalizers"])) == 0 {
		md["finalizers"] = []any{resourcesFinalizer}
	}
	return app, nil
}

func (g *generation) fail(where, msg string) { g.note(NoteFailed, where, msg) }

func (g *generation) note(kind NoteKind, where, msg string) {
	g.addNote(Note{Kind: kind, Generator: where, Message: msg})
}

func (g *generation) addNote(n Note) {
	if g.seenNotes[n] {
		return
	}
	g.seenNotes[n] = true
	g.res.Notes = append(g.res.Notes, n)
}

// noteErr turns a generator error into a note: notRendered errors name what cannot be seen
// offline; anything else Argo CD fails on too.
func (g *generation) noteErr(where string, err error) {
	if nr, ok := asNotRendered(err); ok {
		g.addNote(Note{Kind: NoteNotRendered, Generator: nr.where, Message: nr.msg, OtherRepository: nr.otherRepo})
		return
	}
	if ge, ok := err.(*genError); ok {
		g.fail(ge.where, ge.msg)
		return
	}
	g.fail(where, err.Error())
}

// dedupe drops the later of Applications with the same name, as Argo CD refuses them.
func (g *generation) dedupe() {
	seen := map[string]bool{}
	var dups []string
	apps := g.res.Applications[:0]
	origins := g.res.Origins[:0]
	for i, app := range g.res.Applications {
		name, _ := app["metadata"].(map[string]any)["name"].(string)
		if seen[name] {
			dups = append(dups, name)
			continue
		}
		seen[name] = true
		apps = append(apps, app)
		origins = append(origins, g.res.Origins[i])
	}
	g.res.Applications, g.res.Origins = apps, origins
	if len(dups) > 0 {
		sort.Strings(dups)
		dups = compactStrings(dups)
		g.fail("spec.generators", fmt.Sprintf("ApplicationSet %s contains applications with duplicate name: %s", g.name, strings.Join(dups, ", ")))
	}
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// deepCopy copies JSON values (maps, slices, scalars).
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = deepCopy(e)
		}
		return s
	case map[string]string:
		m := make(map[string]string, len(t))
		for k, e := range t {
			m[k] = e
		}
		return m
	case []string:
		return append([]string(nil), t...)
	default:
		return v
	}
}
