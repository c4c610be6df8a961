package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/render"
)

// renderSources renders, with package render, the Applications and ApplicationSets of
// the input and the charts and overlays given as input paths (standalone). Objects of a
// directory source that are already in the input are not added twice: the input objects
// are marked as deployed by the Application. Notes become not-rendered and render-failed
// findings. The result is returned for redaction of the findings (Result.Redact).
func (ch *checker) renderSources(ctx context.Context, c *Context, objs []*Object, standalone []string) ([]*Object, []Finding, *render.Result) {
	opts := render.Options{
		BaseDir:       ch.baseDir,
		Profile:       ch.opts.Profile,
		Timeout:       ch.opts.RenderTimeout,
		MaxFileSize:   ch.opts.MaxFileSize,
		Offline:       ch.opts.Offline,
		ArgoCDConfig:  ch.opts.ArgoCDConfig,
		Charts:        ch.opts.Charts,
		ClusterScoped: c.IsClusterScoped,
	}
	if ch.opts.Decrypter != nil {
		opts.Decrypter = ch.opts.Decrypter
	}
	if c.repo != nil {
		opts.RepoRoot, opts.RepoURL = c.repo.root, c.repo.url
	}
	rd, err := render.New(opts)
	if err != nil {
		return nil, []Finding{{Rule: RuleRenderFailed, Message: fmt.Sprintf("rendering: %s", err)}}, nil
	}
	byFile := map[string][]*Object{}
	var manifests []render.Manifest
	written := map[manifestAt]*Object{} // the manifests, by where render names them
	for _, o := range objs {
		if o.abs != "" {
			byFile[o.abs] = append(byFile[o.abs], o)
		}
		if o.RenderedBy == "" && (o.Is(argocdmanaged.Group, argocdmanaged.KindApplication) || o.Is(argocdmanaged.Group, argocdmanaged.KindApplicationSet)) {
			manifests = append(manifests, render.Manifest{File: o.File, Line: o.Line, Content: o.Content})
			written[manifestAt{o.File, o.Line}] = o
		}
	}
	var out []*Object
	var findings []Finding
	for _, dir := range standalone {
		sd := rd
		if c.repo == nil || !inside(c.repo.root, dir) {
			// Outside any known repository, a chart or overlay given by itself is
			// confined to its own directory.
			o := opts
			o.RepoRoot, o.RepoURL = dir, ""
			if sd, err = render.New(o); err != nil {
				findings = append(findings, Finding{Rule: RuleRenderFailed, File: ch.display(dir), Message: fmt.Sprintf("rendering %s: %s", ch.display(dir), err)})
				continue
			}
		}
		ros, notes := sd.RenderDir(ctx, dir)
		for _, ro := range ros {
			out = append(out, fromRendered(ro, ""))
		}
		findings = append(findings, noteFindings(notes, nil)...)
	}
	res, _ := rd.Render(ctx, manifests)
	if res == nil {
		return out, findings, nil
	}
	findings = append(findings, noteFindings(res.Notes, nil)...)
	marked := map[string]bool{}
	for _, app := range res.Applications {
		ref := ObjectRef{APIVersion: argocdmanaged.APIVersion, Kind: argocdmanaged.KindApplication, Namespace: app.Namespace, Name: app.Name}
		af := noteFindings(app.Notes, &ref)
		if m := written[manifestAt{app.File, app.Line}]; m != nil {
			for i := range af {
				ch.atSourcePath(c, &af[i], m)
			}
		}
		findings = append(findings, af...)
		if app.ApplicationSet != "" && app.Parent == "" {
			// A generated Application goes through the Application rules as a written one.
			gen := &Object{File: app.File, Line: app.Line, RenderedBy: "applicationset", APIVersion: argocdmanaged.APIVersion,
				Kind: argocdmanaged.KindApplication, Group: argocdmanaged.Group, Namespace: app.Namespace, Name: app.Name, Content: app.Manifest}
			out = append(out, gen)
		}
		for _, ro := range app.Objects {
			if ro.RenderedBy == render.KindDirectory {
				abs := ro.File
				if !filepath.IsAbs(abs) {
					abs = filepath.Join(ch.baseDir, filepath.FromSlash(abs))
				}
				if known, ok := byFile[abs]; ok {
					if !marked[abs] {
						marked[abs] = true
						for _, o := range known {
							if o.Application == "" {
								o.Application, o.RenderedBy = app.Name, "directory"
								if o.Namespace == "" && app.Namespace != "" && !c.IsClusterScoped(o.GroupKind()) {
									o.Namespace = namespaceOf(ro)
								}
							}
						}
					}
					continue
				}
			}
			o := fromRendered(ro, app.Name)
			if ro.RenderedBy == render.KindDirectory && o.Line > 0 {
				o.abs = filepath.Join(ch.baseDir, filepath.FromSlash(ro.File))
			}
			out = append(out, o)
		}
	}
	return out, findings, res
}

// manifestAt is where an Application or ApplicationSet manifest starts.
type manifestAt struct {
	file string
	line int
}

// atSourcePath points a render-failed or render-warning finding about a source directory (a path that does
// not exist, a chart or overlay that does not render) at the line of the manifest that
// names the directory: spec.source.path or spec.sources[i].path of the Application, or of
// the ApplicationSet's template. A directory has no line to show, and the path line is
// where the fix usually is. A finding about a file (a template, a value file) is kept.
func (ch *checker) atSourcePath(c *Context, f *Finding, m *Object) {
	if (f.Rule != RuleRenderFailed && f.Rule != RuleRenderWarning) || f.File == "" || f.Line > 0 || f.File == m.File {
		return
	}
	abs := f.File
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(ch.baseDir, filepath.FromSlash(abs))
	}
	st, err := os.Stat(abs)
	if err == nil && !st.IsDir() {
		return
	}
	missing := errors.Is(err, fs.ErrNotExist)
	var spec *argocdmanaged.ApplicationSpec
	prefix := "spec"
	switch m.Kind {
	case argocdmanaged.KindApplication:
		if a, err := m.ApplicationObject(); err == nil {
			spec = &a.Spec
		}
	case argocdmanaged.KindApplicationSet:
		if s, err := m.ApplicationSetObject(); err == nil {
			spec, prefix = &s.Spec.Template.Spec, "spec.template.spec"
		}
	}
	if spec == nil {
		return
	}
	field, path := "", ""
	for i, src := range spec.AllSources() {
		if dir, ok := c.SourceDir(src); ok && src.Path != "" && ch.display(dir) == f.File {
			field, path = prefix+".source.path", src.Path
			if len(spec.Sources) > 0 {
				field = fmt.Sprintf("%s.sources.%d.path", prefix, i)
			}
			break
		}
	}
	if field == "" && m.Kind == argocdmanaged.KindApplicationSet && spec.Source != nil && spec.Source.Path != "" {
		// A generated Application's path comes from the template's (often templated) path.
		field = prefix + ".source.path"
	} else if field == "" {
		return
	}
	if missing && path != "" && f.Rule == RuleRenderFailed {
		// Argo CD's repo server fails the same way: "PATH: app path does not exist".
		f.Message = fmt.Sprintf("source path %q does not exist in the repository; Argo CD cannot generate the manifests (%q)", path, path+": app path does not exist")
		f.Remediation = "Set path to the directory of the chart, overlay or manifests, relative to the repository root, and commit that directory."
	}
	if line := m.FieldLine(field); line > 0 {
		f.File, f.Line = m.File, line
	}
}

func namespaceOf(ro render.Object) string { return ro.Namespace() }

// fromRendered makes a rendered object a policy Object.
func fromRendered(ro render.Object, app string) *Object {
	gvk := ro.GroupVersionKind()
	av, _ := ro.Content["apiVersion"].(string)
	kind := string(ro.RenderedBy)
	return &Object{File: ro.File, Line: ro.Line, Application: app, RenderedBy: kind,
		APIVersion: av, Kind: gvk.Kind, Group: gvk.Group, Namespace: ro.Namespace(), Name: ro.Name(), Content: ro.Content}
}

// decryptRemediation is the fix of a secrets:// value file that was not decrypted.
const decryptRemediation = "Give a private key the file is encrypted for (or set SOPS_AGE_KEY_FILE, as for sops), so that the chart renders with its values."

// noteFindings turns render notes into findings about the Application (ref).
func noteFindings(notes []render.Note, ref *ObjectRef) []Finding {
	out := make([]Finding, 0, len(notes))
	for _, n := range notes {
		f := Finding{Rule: RuleRenderFailed, File: n.File, Line: n.Line, Application: n.Application, Message: n.Message}
		switch n.Kind {
		case render.NoteNotRendered:
			f.Rule, f.Severity = RuleNotRendered, SeverityInfo
			if strings.Contains(n.Message, "was not decrypted") {
				f.Remediation, f.Fix = decryptRemediation, fix.Fix{Op: fix.GiveIdentity}
			}
		case render.NoteWarning:
			f.Rule, f.Severity = RuleRenderWarning, SeverityInfo
		}
		if ref != nil {
			f.Object = *ref
		}
		out = append(out, f)
	}
	return out
}

// resolveValueFile resolves a value file as Argo CD does: relative to the source path, or
// to the repository root when it starts with "/".
func resolveValueFile(root, dir, p string) string {
	if strings.HasPrefix(p, "/") {
		return filepath.Join(root, filepath.FromSlash(p))
	}
	return filepath.Join(dir, filepath.FromSlash(p))
}
