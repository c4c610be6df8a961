package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
)

// LoadOptions tune LoadManifests.
type LoadOptions struct {
	// BaseDir is the directory the file names of manifests and notes are relative to;
	// empty means the working directory.
	BaseDir string
	// MaxFileSize is the largest file read, in bytes; 0 means no limit.
	MaxFileSize int64
	// Root, when set, confines reading: a file (named or found) whose symbolic links lead
	// outside it is a *PathError, never read.
	Root string
	// RepositorySecrets also returns the Argo CD repository and repo-creds Secrets among
	// the documents (v1 Secrets labelled argocd.argoproj.io/secret-type repository or
	// repo-creds), for charts.CredentialsFromSecrets: Argo CD uses them for private Helm
	// repositories and OCI registries. Render skips them.
	RepositorySecrets bool
}

// PathError is a path given to LoadManifests that cannot be read: it does not exist, is
// not a regular file or directory, or is over the size limit. The caller's input is wrong.
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("reading %s: %s", e.Path, cleanPathErr(e.Err)) }

func (e *PathError) Unwrap() error { return e.Err }

// LoadManifests reads the Applications and ApplicationSets of the given files and
// directories (walked recursively), in the order given and, within a directory, in
// lexical order: the input of Render. Files are .yaml, .yml and .json; hidden
// directories and Helm charts (whose templates are not YAML until rendered) are not
// walked, and symbolic links are not followed in a walk. Only documents that mention
// argoproj.io are parsed. A file that does mention it and does not parse is a
// render-failed note naming the file and line; one that does not is not an Argo CD
// manifest and is skipped. The error is a *PathError for a path given that cannot be
// read, or ctx's.
func LoadManifests(ctx context.Context, paths []string, opts LoadOptions) ([]Manifest, []Note, error) {
	base := opts.BaseDir
	if base == "" {
		base = "."
	}
	base, err := filepath.Abs(base)
	if err != nil {
		return nil, nil, err
	}
	l := &manifestLoader{base: base, limit: opts.MaxFileSize, secrets: opts.RepositorySecrets}
	if opts.Root != "" {
		abs, err := filepath.Abs(opts.Root)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, nil, &PathError{Path: opts.Root, Err: err}
		}
		l.root = abs
	}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, &PathError{Path: l.display(p), Err: err}
		}
		if st.IsDir() {
			if err := l.walk(ctx, p); err != nil {
				return nil, nil, err
			}
			continue
		}
		if err := l.file(p, true); err != nil {
			return nil, nil, err
		}
	}
	return l.manifests, l.notes, nil
}

type manifestLoader struct {
	base      string
	limit     int64
	root      string // resolved; "" for no confinement
	secrets   bool   // LoadOptions.RepositorySecrets
	manifests []Manifest
	notes     []Note
}

// display names a file as users see it: relative to the base directory when below it.
func (l *manifestLoader) display(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	if rel, err := filepath.Rel(l.base, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

func (l *manifestLoader) walk(ctx context.Context, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &PathError{Path: l.display(p), Err: err}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || fileExists(filepath.Join(p, "Chart.yaml"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !manifestExt(d.Name()) {
			return nil // links, FIFOs and devices are never opened in a walk
		}
		return l.file(p, false)
	})
}

func manifestExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// file reads one file; named says the user gave it by name, so that it must be readable.
func (l *manifestLoader) file(p string, named bool) error {
	name := l.display(p)
	if l.root != "" {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return &PathError{Path: name, Err: err}
		}
		if real, err = filepath.Abs(real); err != nil || !inside(l.root, real) {
			return &PathError{Path: name, Err: errOutside}
		}
	}
	data, err := inputfile.Read(p, l.limit)
	if err != nil {
		var tl *inputfile.TooLargeError
		if named || !errors.As(err, &tl) {
			return &PathError{Path: name, Err: err}
		}
		l.notes = append(l.notes, Note{Kind: NoteNotRendered, File: name,
			Message: fmt.Sprintf("%s is %s, over the limit of %s; it is not read", name, inputfile.HumanSize(tl.Size), inputfile.HumanSize(tl.Limit))})
		return nil
	}
	if !bytes.Contains(data, []byte(argocdmanaged.Group)) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			// The rest of the file cannot be split reliably once the parser is lost.
			l.notes = append(l.notes, Note{Kind: NoteRenderFailed, File: name,
				Message: fmt.Sprintf("%s is not YAML: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))})
			return nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			l.notes = append(l.notes, Note{Kind: NoteRenderFailed, File: name, Line: n.Line,
				Message: fmt.Sprintf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))})
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		av, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		if (!strings.HasPrefix(av, argocdmanaged.Group+"/") ||
			!slices.Contains([]string{argocdmanaged.KindApplication, argocdmanaged.KindApplicationSet}, kind)) &&
			!(l.secrets && IsRepositorySecret(m)) {
			continue
		}
		line := n.Line
		if len(n.Content) > 0 {
			line = n.Content[0].Line
		}
		l.manifests = append(l.manifests, Manifest{File: name, Line: line, Content: m})
	}
}

// IsRepositorySecret says whether an object is an Argo CD repository or repo-creds Secret.
func IsRepositorySecret(m map[string]any) bool {
	if m["apiVersion"] != "v1" || m["kind"] != "Secret" {
		return false
	}
	md, _ := m["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	t, _ := labels[argocdmanaged.SecretTypeLabel].(string)
	return t == argocdmanaged.SecretTypeRepository || t == argocdmanaged.SecretTypeRepoCreds
}
