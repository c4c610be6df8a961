package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/secrets/internal/yamlnode"
)

// Target says which Application and which of its sources to edit.
type Target struct {
	// Application is the Application's metadata.name; needed only when the file holds more
	// than one Application.
	Application string
	// Source is the index in spec.sources, or -1 (the default from DefaultTarget) to pick
	// the only source that is not a pure $ref source. Ignored with spec.source.
	Source int
	// SourceName picks the entry of spec.sources with this name instead of Source.
	SourceName string
}

// DefaultTarget picks the only Application of the file and its only Helm-capable source.
func DefaultTarget() Target { return Target{Source: -1} }

// Change says what an edit did.
type Change struct {
	Application string `json:"application"`
	// Source is the path of the edited source: "spec.source" or "spec.sources[1]".
	Source string `json:"source"`
	// Field is the edited list: "helm.valueFiles" or "helm.fileParameters".
	Field string `json:"field"`
	// Entry is what was added (or was already there).
	Entry string `json:"entry"`
	// Added is false when the entry was already there and nothing changed.
	Added bool `json:"added"`
	// Note, when not empty, says what the entry relies on (see Resolved.Note).
	Note string `json:"note,omitempty"`
}

// ErrNoApplication is returned for a file without an argoproj.io Application.
var ErrNoApplication = errors.New("no Argo CD Application (apiVersion argoproj.io/v1alpha1, kind Application) in the file")

// SecretsValueFile is the valueFiles entry of a helm-secrets values file relative to the
// source's path; AddSecretsValueFile also resolves $ref/... files and refuses forms Argo CD
// does not resolve.
func SecretsValueFile(file string) string {
	if strings.Contains(file, "://") {
		return file
	}
	return "secrets://" + file
}

// AddValueFile adds entry, as given, to the end of the target source's helm.valueFiles,
// creating helm and valueFiles when missing. Helm merges value files in order, so the last
// one wins: a secrets file normally comes after values.yaml. For a helm-secrets file,
// AddSecretsValueFile writes the form Argo CD resolves.
func AddValueFile(manifest []byte, entry string, t Target) ([]byte, Change, error) {
	return edit(manifest, t, "valueFiles", entry, func(helm *yaml.Node) (bool, error) { return appendValueFile(helm, entry) })
}

// AddSecretsValueFile adds the helm-secrets values file file (relative to the source's
// path, or $REF/PATH in another source) to the target source's helm.valueFiles in the form
// ResolveSecretsFile says Argo CD decrypts. Where no form exists the error is an
// *UnresolvableError, and nothing is written.
func AddSecretsValueFile(manifest []byte, file string, t Target) ([]byte, Change, error) {
	c := Change{Field: "helm.valueFiles"}
	s, err := locate(manifest, t)
	if s != nil {
		c.Application, c.Source = s.app, s.path
	}
	if err != nil {
		return nil, c, err
	}
	r, err := ResolveSecretsFile(file, s.sources(), s.index)
	if err != nil {
		return nil, c, fmt.Errorf("in Application %s, %s: %w", c.Application, c.Source, err)
	}
	c.Entry, c.Note = r.Entry, r.Note
	return s.apply(manifest, c, func(helm *yaml.Node) (bool, error) { return appendValueFile(helm, r.Entry) })
}

func appendValueFile(helm *yaml.Node, entry string) (bool, error) {
	list, err := ensureSeq(helm, "valueFiles")
	if err != nil {
		return false, err
	}
	for _, n := range list.Content {
		if n.Value == entry {
			return false, nil
		}
	}
	list.Content = append(list.Content, yamlnode.Str(entry))
	return true, nil
}

// AddFileParameter adds {name: NAME, path: PATH} to the target source's
// helm.fileParameters; an existing parameter of that name gets the new path. The vals
// backend uses it for secrets+literal://vals!ref+vault://PATH#/KEY references.
func AddFileParameter(manifest []byte, name, path string, t Target) ([]byte, Change, error) {
	if name == "" || path == "" {
		return nil, Change{}, errors.New("a file parameter needs a name and a path")
	}
	return edit(manifest, t, "fileParameters", name+"="+path, func(helm *yaml.Node) (bool, error) {
		list, err := ensureSeq(helm, "fileParameters")
		if err != nil {
			return false, err
		}
		for _, n := range list.Content {
			if n.Kind == yaml.MappingNode && yamlnode.Value(n, "name") != nil && yamlnode.Value(n, "name").Value == name {
				p := yamlnode.Value(n, "path")
				if p != nil && p.Value == path {
					return false, nil
				}
				if p == nil {
					n.Content = append(n.Content, yamlnode.Str("path"), yamlnode.Str(path))
				} else {
					p.Value, p.Style, p.Tag = path, 0, "!!str"
				}
				return true, nil
			}
		}
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map",
			Content: []*yaml.Node{yamlnode.Str("name"), yamlnode.Str(name), yamlnode.Str("path"), yamlnode.Str(path)}})
		return true, nil
	})
}

// site is the target source of the target Application in a decoded file.
type site struct {
	docs []*yaml.Node
	app  string
	spec *yaml.Node
	src  *yaml.Node
	// path is "spec.source" or "spec.sources[N]"; index is N, or 0 for spec.source.
	path  string
	index int
}

// locate decodes manifest and finds the target Application and source.
func locate(manifest []byte, t Target) (*site, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(manifest))
	for {
		var d yaml.Node
		if err := dec.Decode(&d); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("not valid YAML: %w", err)
		}
		docs = append(docs, &d)
	}
	s := &site{docs: docs}
	var app *yaml.Node
	var names []string
	for _, d := range docs {
		if len(d.Content) == 0 {
			continue
		}
		r := d.Content[0]
		if r.Kind != yaml.MappingNode || !strings.HasPrefix(yamlnode.Scalar(r, "apiVersion"), "argoproj.io/") || yamlnode.Scalar(r, "kind") != "Application" {
			continue
		}
		name := yamlnode.Scalar(yamlnode.Value(r, "metadata"), "name")
		names = append(names, name)
		if t.Application == "" || t.Application == name {
			if app != nil && t.Application == "" {
				return nil, &SeveralApplicationsError{Names: names}
			}
			if app == nil {
				app, s.app = r, name
			}
		}
	}
	if app == nil {
		if t.Application != "" && len(names) > 0 {
			return nil, fmt.Errorf("no Application named %q in the file (found %s)", t.Application, strings.Join(names, ", "))
		}
		return nil, ErrNoApplication
	}
	s.spec = yamlnode.Value(app, "spec")
	if s.spec == nil || s.spec.Kind != yaml.MappingNode {
		return s, fmt.Errorf("the Application %s has no spec", s.app)
	}
	var err error
	s.src, s.path, s.index, err = pickSource(s.spec, t)
	if err != nil {
		return s, fmt.Errorf("in Application %s: %w", s.app, err)
	}
	if yamlnode.Value(s.src, "chart") == nil && yamlnode.Value(s.src, "path") == nil {
		return s, fmt.Errorf("in Application %s: %s has neither path nor chart, so it is not a Helm source", s.app, s.path)
	}
	return s, nil
}

// sources are the Application's sources as Argo CD reads them, for ResolveSecretsFile.
func (s *site) sources() []*argocdmanaged.ApplicationSource {
	read := func(n *yaml.Node) *argocdmanaged.ApplicationSource {
		return &argocdmanaged.ApplicationSource{RepoURL: yamlnode.Scalar(n, "repoURL"), Path: yamlnode.Scalar(n, "path"),
			TargetRevision: yamlnode.Scalar(n, "targetRevision"), Chart: yamlnode.Scalar(n, "chart"), Ref: yamlnode.Scalar(n, "ref")}
	}
	if ss := yamlnode.Value(s.spec, "sources"); ss != nil && ss.Kind == yaml.SequenceNode {
		out := make([]*argocdmanaged.ApplicationSource, len(ss.Content))
		for i, n := range ss.Content {
			out[i] = read(n)
		}
		return out
	}
	return []*argocdmanaged.ApplicationSource{read(s.src)}
}

// edit finds the target source of the target Application and lets change edit its helm
// mapping; the file is re-encoded only when change reports a change.
func edit(manifest []byte, t Target, field, entry string, change func(helm *yaml.Node) (bool, error)) ([]byte, Change, error) {
	c := Change{Field: "helm." + field, Entry: entry}
	s, err := locate(manifest, t)
	if s != nil {
		c.Application, c.Source = s.app, s.path
	}
	if err != nil {
		return nil, c, err
	}
	return s.apply(manifest, c, change)
}

// apply lets change edit the site's helm mapping, and encodes the file when it changed.
func (s *site) apply(manifest []byte, c Change, change func(helm *yaml.Node) (bool, error)) ([]byte, Change, error) {
	helm := yamlnode.Value(s.src, "helm")
	if helm == nil {
		helm = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		s.src.Content = append(s.src.Content, yamlnode.Str("helm"), helm)
	} else if helm.Kind != yaml.MappingNode {
		return nil, c, fmt.Errorf("in Application %s: %s.helm is not a mapping", c.Application, s.path)
	}
	added, err := change(helm)
	if err != nil {
		return nil, c, fmt.Errorf("in Application %s: %s.helm: %w", c.Application, s.path, err)
	}
	c.Added = added
	if !added {
		return manifest, c, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(yamlnode.DetectIndent(manifest))
	for _, d := range s.docs {
		if err := enc.Encode(d); err != nil {
			return nil, c, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, c, err
	}
	out := buf.Bytes()
	if bytes.HasPrefix(bytes.TrimSpace(manifest), []byte("---")) && !bytes.HasPrefix(out, []byte("---")) {
		out = append([]byte("---\n"), out...)
	}
	return out, c, nil
}

// pickSource returns the source to edit and its path in the spec.
func pickSource(spec *yaml.Node, t Target) (*yaml.Node, string, int, error) {
	if s := yamlnode.Value(spec, "source"); s != nil && yamlnode.Value(spec, "sources") == nil {
		if s.Kind != yaml.MappingNode {
			return nil, "", 0, errors.New("spec.source is not a mapping")
		}
		return s, "spec.source", 0, nil
	}
	ss := yamlnode.Value(spec, "sources")
	if ss == nil || ss.Kind != yaml.SequenceNode || len(ss.Content) == 0 {
		return nil, "", 0, errors.New("neither spec.source nor spec.sources")
	}
	at := func(i int) (*yaml.Node, string, int, error) {
		if ss.Content[i].Kind != yaml.MappingNode {
			return nil, "", 0, fmt.Errorf("spec.sources[%d] is not a mapping", i)
		}
		return ss.Content[i], fmt.Sprintf("spec.sources[%d]", i), i, nil
	}
	if t.SourceName != "" {
		for i, s := range ss.Content {
			if yamlnode.Scalar(s, "name") == t.SourceName {
				return at(i)
			}
		}
		return nil, "", 0, fmt.Errorf("no entry of spec.sources is named %q", t.SourceName)
	}
	if t.Source >= 0 {
		if t.Source >= len(ss.Content) {
			return nil, "", 0, &SourceOutOfRangeError{Source: t.Source, Sources: len(ss.Content)}
		}
		return at(t.Source)
	}
	// Pure $ref sources (ref, no path or chart) only provide files to the others, and
	// Kustomize, directory and plugin sources are not Helm.
	var candidates []int
	for i, s := range ss.Content {
		if (yamlnode.Value(s, "path") != nil || yamlnode.Value(s, "chart") != nil) &&
			yamlnode.Value(s, "kustomize") == nil && yamlnode.Value(s, "directory") == nil && yamlnode.Value(s, "plugin") == nil {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) != 1 {
		return nil, "", 0, &AmbiguousSourceError{Candidates: len(candidates)}
	}
	return at(candidates[0])
}

func ensureSeq(m *yaml.Node, key string) (*yaml.Node, error) {
	v := yamlnode.Value(m, key)
	if v == nil {
		v = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		m.Content = append(m.Content, yamlnode.Str(key), v)
		return v, nil
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		*v = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", HeadComment: v.HeadComment, LineComment: v.LineComment}
		return v, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s is not a list", key)
	}
	return v, nil
}

// SeveralApplicationsError: the manifest holds several Applications and the Target names
// none of them (Target.Application).
type SeveralApplicationsError struct {
	// Names are the Applications' names, in file order.
	Names []string
}

func (e *SeveralApplicationsError) Error() string {
	return fmt.Sprintf("the file holds several Applications (%s): name one in the target", strings.Join(e.Names, ", "))
}

// SourceOutOfRangeError: Target.Source is not an index of spec.sources.
type SourceOutOfRangeError struct {
	Source, Sources int
}

func (e *SourceOutOfRangeError) Error() string {
	return fmt.Sprintf("spec.sources has %d entries: source %d is out of range", e.Sources, e.Source)
}

// AmbiguousSourceError: spec.sources has no or several entries that may be Helm sources,
// and the Target picks none (Target.Source or Target.SourceName).
type AmbiguousSourceError struct {
	// Candidates is how many entries may be Helm sources.
	Candidates int
}

func (e *AmbiguousSourceError) Error() string {
	return fmt.Sprintf("spec.sources has %d sources that may be Helm sources: pick one in the target", e.Candidates)
}
