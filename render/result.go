package render

import (
	"strconv"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SourceKind says how a source was turned into objects, as Argo CD's repo server decides it.
type SourceKind string

// The source kinds Argo CD knows.
const (
	KindHelm      SourceKind = "helm"
	KindKustomize SourceKind = "kustomize"
	KindDirectory SourceKind = "directory"
	KindJsonnet   SourceKind = "jsonnet"
	KindPlugin    SourceKind = "plugin"
)

// Manifest is an Application or ApplicationSet as read from a file: the input of Render.
type Manifest struct {
	// File is the file it was read from, as it is shown to the user (relative to the
	// repository root where it is inside it, slash-separated).
	File string
	// Line is the line of File where the document starts (1-based); 0 when unknown.
	Line int
	// Content is the decoded document.
	Content map[string]any
}

// Object is one object that Argo CD will apply for an Application: the destination
// namespace set on namespaced objects that have none, duplicates resolved as Argo CD
// resolves them, no tracking labels or annotations, Helm test hooks left out.
type Object struct {
	// Content is the object as it will be applied.
	Content map[string]any
	// Source is the index of the Application source (spec.source is 0; spec.sources[i] is i)
	// that produced it.
	Source int
	// File is the file the object came from, as shown to the user: the chart template, the
	// kustomization, the jsonnet file or the manifest of a directory source.
	File string
	// Line is the line of File where the object's document starts, for objects read as
	// they are from a directory source; 0 for rendered objects.
	Line int
	// RenderedBy is the kind of the source that produced the object.
	RenderedBy SourceKind
}

// GroupVersionKind is the object's apiVersion and kind.
func (o Object) GroupVersionKind() schema.GroupVersionKind {
	av, _ := o.Content["apiVersion"].(string)
	k, _ := o.Content["kind"].(string)
	return schema.FromAPIVersionAndKind(av, k)
}

// Namespace is metadata.namespace, or "".
func (o Object) Namespace() string { return o.meta("namespace") }

// Name is metadata.name, or "".
func (o Object) Name() string { return o.meta("name") }

func (o Object) meta(key string) string {
	md, _ := o.Content["metadata"].(map[string]any)
	s, _ := md[key].(string)
	return s
}

// NoteKind tells notes apart.
type NoteKind string

const (
	// NoteNotRendered says what could not be seen from here (a plugin, another repository,
	// a chart not in the cache while offline): Argo CD may well deploy it, but it was not
	// checked. Shown as info.
	NoteNotRendered NoteKind = "not-rendered"
	// NoteRenderFailed says that the source does not render: Argo CD would fail the sync
	// too. Shown as an error.
	NoteRenderFailed NoteKind = "render-failed"
	// NoteWarning is a line Helm or kustomize printed while rendering the source (a
	// deprecated field, a value that Helm ignored): captured rather than printed, since a
	// library must not print. Shown as info.
	NoteWarning NoteKind = "warning"
)

// Note is something that could not be rendered, naming the source and the reason.
type Note struct {
	Kind NoteKind
	// Application is the Application the note is about ("" for an input that is not one).
	Application string
	// Source names the source: its repoURL with path or chart, or its index.
	Source string
	// File and Line locate what the note is about: the Application's manifest, a value file,
	// a chart template.
	File string
	Line int
	// Message is one line. It never holds a decrypted value or a file's content from
	// outside the repository.
	Message string
}

// String is the note on one line, as the plugin prints it: "KIND Application NAME source
// SOURCE: MESSAGE (FILE:LINE)", each part only where it is known.
func (n Note) String() string {
	s := string(n.Kind)
	if n.Application != "" {
		s += " Application " + n.Application
	}
	if n.Source != "" {
		s += " source " + n.Source
	}
	s += ": " + n.Message
	if n.File != "" {
		s += " (" + n.File
		if n.Line > 0 {
			s += ":" + strconv.Itoa(n.Line)
		}
		s += ")"
	}
	return s
}

// Application is one Application and everything it deploys.
type Application struct {
	Name      string
	Namespace string
	// File and Line locate the manifest that defines the Application; for a generated
	// Application, the ApplicationSet's.
	File string
	Line int
	// ApplicationSet names the ApplicationSet that generated the Application; "" for one
	// written by hand.
	ApplicationSet string
	// Parent names the Application (app of apps) whose rendering produced this one.
	Parent string
	// Manifest is the Application object itself (generated ones included).
	Manifest map[string]any
	// Objects are what Argo CD will apply, in a stable order.
	Objects []Object
	// Notes are what could not be rendered.
	Notes []Note
}

// Result is what Render returns: every Application that will exist, in a stable order
// (file, line, name), and the notes not tied to one of them.
type Result struct {
	Applications []Application
	Notes        []Note

	taint *taint // the values that came from decryption, see Redact
}
