package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/internal/yamlerr"
)

// FileError is a file that could not be read at all: a path that does not exist, a
// permission problem, a symlink loop. The rest of the input is still checked.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("reading %s: %s", e.File, fileProblem(e.Err)) }

func (e *FileError) Unwrap() error { return e.Err }

func fileProblem(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied; make it readable or leave it out"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// inputFile is one file to read: its absolute path and the name findings show.
type inputFile struct {
	abs, display string
	stdin        bool
}

// manifestExt says whether a file found while walking a directory is read.
func manifestExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// isSourceDir says whether dir is a Helm chart or a Kustomize overlay. Their files are
// only meaningful rendered (templates are not YAML, patches are partial objects), so a walk
// does not read them one by one; an Application that deploys them renders them.
func isSourceDir(dir string) string {
	for _, name := range []string{"Chart.yaml"} {
		if fileExists(filepath.Join(dir, name)) {
			return "helm"
		}
	}
	for _, name := range kustomizationFiles {
		if fileExists(filepath.Join(dir, name)) {
			return "kustomize"
		}
	}
	return ""
}

var kustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// parseFile reads the objects of one file. Problems with the content are findings; the
// objects before and after a bad document are still returned.
func parseFile(display string, data []byte) ([]*Object, []Finding) {
	bad := func(line int, format string, args ...any) Finding {
		return Finding{Rule: RuleInvalidManifest, Severity: SeverityError, File: display, Line: line,
			Message: fmt.Sprintf(format, args...)}
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return nil, []Finding{bad(0, "not a text file; manifests are UTF-8 YAML or JSON")}
	}
	var objs []*Object
	var findings []Finding
	encrypted := false
	for _, d := range splitDocuments(data) {
		var v any
		if m, ok := fastYAML(d.text); ok {
			v = m
		} else if err := yaml.Unmarshal(d.text, &v); err != nil {
			line, msg := yamlErrorLine(err)
			msg = yamlerr.Redact(msg) // the parser can quote the input: a Secret's value
			findings = append(findings, bad(d.line+max(line, 1)-1, "invalid YAML: %s", msg))
			continue
		}
		if v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			// A list or a scalar (a notifications trigger list, a plain string) claims to be
			// no object: Argo CD skips such a file too.
			continue
		}
		if _, ok := m["sops"].(map[string]any); ok {
			encrypted = true
		}
		o, f := newObjects(display, d, m)
		objs = append(objs, o...)
		findings = append(findings, f...)
	}
	for _, o := range objs {
		o.Encrypted = encrypted
	}
	return objs, findings
}

func newObjects(display string, d document, m map[string]any) ([]*Object, []Finding) {
	apiVersion, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	if apiVersion == "" && kind == "" {
		// Not a Kubernetes object (a values file, a sops config): nothing to check.
		return nil, nil
	}
	if apiVersion == "" || kind == "" {
		if _, hasMeta := m["metadata"].(map[string]any); !hasMeta {
			// apiVersion without kind and metadata is another format that versions itself
			// (a Helm repository index.yaml, a Chart.yaml's dependencies lock): not an
			// object.
			return nil, nil
		}
		missing := "apiVersion"
		if kind == "" {
			missing = "kind"
		}
		return nil, []Finding{{Rule: RuleInvalidManifest, Severity: SeverityError, File: display, Line: d.line,
			Message: fmt.Sprintf("the object has no %s", missing)}}
	}
	group := splitAPIVersion(apiVersion)
	if group == "kustomize.config.k8s.io" || (group == "" && apiVersion == "v2" && kind == "") {
		return nil, nil
	}
	if items, ok := m["items"].([]any); ok && strings.HasSuffix(kind, "List") {
		var objs []*Object
		var findings []Finding
		for i, it := range items {
			im, ok := it.(map[string]any)
			if !ok {
				findings = append(findings, Finding{Rule: RuleInvalidManifest, Severity: SeverityError, File: display,
					Line: d.line, Message: fmt.Sprintf("item %d of the %s is %s, not a Kubernetes object", i, kind, describe(it))})
				continue
			}
			o, f := newObjects(display, document{line: d.line}, im)
			objs = append(objs, o...)
			findings = append(findings, f...)
		}
		return objs, findings
	}
	o := &Object{File: display, Line: d.line, APIVersion: apiVersion, Kind: kind, Group: group,
		Content: m, doc: d.text, line: d.line}
	if md, ok := m["metadata"].(map[string]any); ok {
		o.Name, _ = md["name"].(string)
		o.Namespace, _ = md["namespace"].(string)
	}
	return []*Object{o}, nil
}

type document struct {
	text []byte
	line int // line of the first non-blank, non-comment line, 1-based
}

// splitDocuments splits a YAML stream at its "---" separators, keeping the line where each
// document's content starts. A JSON file is one document.
func splitDocuments(data []byte) []document {
	var docs []document
	start, contentLine := 0, 0
	line := 1
	flush := func(end int) {
		if contentLine > 0 {
			docs = append(docs, document{text: data[start:end], line: contentLine})
		}
	}
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
			end += pos
		} else {
			end = len(data)
		}
		l := bytes.TrimRight(data[pos:end], " \t\r")
		if bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t') {
			flush(pos)
			start, contentLine = pos+3, 0
			// A document may start on the separator's line ("--- {...}").
			if rest := bytes.TrimSpace(l[3:]); len(rest) > 0 && rest[0] != '#' {
				contentLine = line
			} else {
				start = next
			}
		} else if bytes.Equal(l, []byte("...")) {
			flush(pos)
			start, contentLine = next, 0
		} else if contentLine == 0 {
			t := bytes.TrimSpace(l)
			if len(t) > 0 && t[0] != '#' {
				contentLine = line
				// yaml reports lines from the start of the text it is given: start the
				// text at the content so that its lines count from contentLine.
				start = pos
			}
		}
		pos = next
		line++
	}
	flush(len(data))
	return docs
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// yamlErrorLine takes the line out of a yaml error so that it can be made absolute.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, strings.TrimSpace(msg[len(m[0]):])
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return yamlErrorLine(errors.New(te.Errors[0]))
	}
	return 0, msg
}

func describe(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case int, int64, uint64, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("a %T", v)
}

// errTooLarge carries the size of a file over the limit.
type errTooLarge struct{ size int64 }

func (e errTooLarge) Error() string { return "too large" }

// readFile reads a file, refusing more than limit bytes so that a huge file does not have
// to fit in memory.
func readFile(f inputFile, stdin io.Reader, limit int64) ([]byte, error) {
	var r io.Reader
	if f.stdin {
		if stdin == nil {
			return nil, errors.New("no standard input")
		}
		r = stdin
	} else {
		// Regular files only, checked before opening: opening a FIFO blocks until a
		// writer comes.
		data, err := inputfile.Read(f.abs, limit)
		var tl *inputfile.TooLargeError
		var nr *inputfile.NotRegularError
		switch {
		case errors.As(err, &tl):
			return nil, errTooLarge{tl.Size}
		case errors.As(err, &nr):
			return nil, fmt.Errorf("is %s, not a regular file; it is not read", nr.What)
		}
		return data, err
	}
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	data, err := io.ReadAll(r)
	if err == nil && limit > 0 && int64(len(data)) > limit {
		return nil, errTooLarge{int64(len(data))}
	}
	return data, err
}
