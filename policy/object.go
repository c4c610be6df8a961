package policy

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Object is one Kubernetes object read from a manifest or rendered from an Application's
// source, with where it came from. Rules read it through its accessors; Content is the
// decoded document and must not be changed.
type Object struct {
	// File is the file the object was read from, or the chart template or kustomization it
	// was rendered from.
	File string
	// Line is the line of File where the object's document starts; 0 for rendered objects,
	// whose lines are those of the rendered output, not of a file.
	Line int
	// Application is the Application whose rendering produced the object; empty for
	// objects read as they are.
	Application string
	// RenderedBy says how the object was produced: "" (read from a file), "helm",
	// "kustomize" or "directory".
	RenderedBy string
	// Encrypted says whether the object's file carries sops metadata.
	Encrypted bool

	APIVersion string
	Kind       string
	Group      string
	Namespace  string
	Name       string
	Content    map[string]any

	abs  string // absolute path of File, when it is a file on disk
	doc  []byte // the document's text, for finding the line of a field on demand
	line int    // line of doc's first byte in File

	// The typed decodes are made once, on first use: rules run in parallel, so each is
	// guarded by its own sync.Once.
	appOnce, appSetOnce, projOnce sync.Once
	app                           *argocdmanaged.Application
	appSet                        *argocdmanaged.ApplicationSet
	proj                          *argocdmanaged.AppProject
	appErr, appSetErr, projErr    error
}

// Ref names the object in findings.
func (o *Object) Ref() ObjectRef {
	ref := ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
	if o.Name == "" {
		ref.GenerateName = o.String("metadata", "generateName")
	}
	return ref
}

// GroupKind is the object's API group and kind.
func (o *Object) GroupKind() schema.GroupKind { return schema.GroupKind{Group: o.Group, Kind: o.Kind} }

// Is says whether the object has the given group and kind.
func (o *Object) Is(group, kind string) bool { return o.Group == group && o.Kind == kind }

// IsArgoCD says whether the object is an Application, ApplicationSet or AppProject.
func (o *Object) IsArgoCD() bool {
	return o.Group == argocdmanaged.Group && (o.Kind == argocdmanaged.KindApplication ||
		o.Kind == argocdmanaged.KindApplicationSet || o.Kind == argocdmanaged.KindAppProject)
}

// Get returns the value at a path of map keys, or nil.
func (o *Object) Get(path ...string) any { return lookup(o.Content, path...) }

// String returns the string at path, or "".
func (o *Object) String(path ...string) string {
	s, _ := o.Get(path...).(string)
	return s
}

// Map returns the map at path, or nil.
func (o *Object) Map(path ...string) map[string]any {
	m, _ := o.Get(path...).(map[string]any)
	return m
}

// Labels returns metadata.labels as strings.
func (o *Object) Labels() map[string]string { return stringMap(o.Map("metadata", "labels")) }

// Annotations returns metadata.annotations as strings.
func (o *Object) Annotations() map[string]string {
	return stringMap(o.Map("metadata", "annotations"))
}

// ApplicationObject decodes an argoproj.io Application into the argocdmanaged mirror, once.
// Decoding is costly, so only rules about Applications call it.
func (o *Object) ApplicationObject() (*argocdmanaged.Application, error) {
	o.appOnce.Do(func() {
		o.app = &argocdmanaged.Application{}
		o.appErr = o.decode(o.app)
	})
	return o.app, o.appErr
}

// ApplicationSetObject decodes an ApplicationSet into the argocdmanaged mirror, once.
func (o *Object) ApplicationSetObject() (*argocdmanaged.ApplicationSet, error) {
	o.appSetOnce.Do(func() {
		o.appSet = &argocdmanaged.ApplicationSet{}
		o.appSetErr = o.decode(o.appSet)
	})
	return o.appSet, o.appSetErr
}

// AppProjectObject decodes an AppProject into the argocdmanaged mirror, once.
func (o *Object) AppProjectObject() (*argocdmanaged.AppProject, error) {
	o.projOnce.Do(func() {
		o.proj = &argocdmanaged.AppProject{}
		o.projErr = o.decode(o.proj)
	})
	return o.proj, o.projErr
}

func (o *Object) decode(into any) error {
	data, err := json.Marshal(o.Content)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}

// Document returns the YAML text of the object's document as it is in its file, or the
// object encoded as YAML when it has no document of its own (rendered, or an item of a
// List); firstLine is the file line of the returned text's first line, 0 for the latter.
func (o *Object) Document() (text []byte, firstLine int) {
	if len(o.doc) > 0 {
		return o.doc, o.line
	}
	b, err := yaml.Marshal(o.Content)
	if err != nil {
		return nil, 0
	}
	return b, 0
}

// FieldLine returns the line of the field at a dotted path ("spec.syncPolicy.syncOptions")
// in the object's file: the line of the deepest part of the path that is written in block
// style, or the document's line when none is. It is only called for findings.
func (o *Object) FieldLine(path string) int {
	if o.Line == 0 || path == "" || len(o.doc) == 0 {
		return o.Line
	}
	if line, ok := blockFieldLine(o.doc, path); ok {
		return o.line + line - 1
	}
	return o.yamlFieldLine(path)
}

// yamlFieldLine finds the line with the general parser, for documents the line scan
// cannot follow.
func (o *Object) yamlFieldLine(path string) int {
	var n yaml.Node
	if err := yaml.Unmarshal(o.doc, &n); err != nil || len(n.Content) == 0 {
		return o.Line
	}
	cur := n.Content[0]
	line := cur.Line
	for _, key := range strings.Split(path, ".") {
		keyLine, next := childNode(cur, key)
		if next == nil {
			break
		}
		cur, line = next, keyLine
	}
	return o.line + line - 1
}

// childNode returns a mapping's value for key, or a sequence's item at index key, with the
// line of the key (or item) itself.
func childNode(n *yaml.Node, key string) (int, *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i].Line, n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if itoa(i) == key {
				return c.Line, c
			}
		}
	}
	return 0, nil
}

func itoa(i int) string { return strconv.Itoa(i) }

func lookup(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func stringMap(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		} else if v != nil {
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

// splitAPIVersion returns the group of an apiVersion ("apps/v1" → "apps", "v1" → "").
func splitAPIVersion(apiVersion string) string {
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}
