package render

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// directory reads a plain directory source as Argo CD does: .yaml, .yml and .json files
// (and .jsonnet, evaluated), recursively only with directory.recurse, filtered by include
// and exclude globs. Every file and directory is resolved inside the repository; a link
// leading outside fails the source, naming the link.
func (s *srcRun) directory(ctx context.Context) ([]Object, error) {
	d := s.src.Directory
	if d == nil {
		d = &directorySource{}
	}
	real, st, err := s.r.statInside(s.dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", s.r.display(s.dir))
	}
	var objs []Object
	var total int64
	// A directory is walked into only with recurse, and never a hidden one.
	descend := func(name string) bool { return d.Recurse && !strings.HasPrefix(name, ".") }
	// What the listing alone rules out is not resolved.
	skip := func(e walkEntry) bool {
		if e.dirent.Type().IsRegular() {
			return !manifestName(e.dirent.Name())
		}
		return e.dirent.IsDir() && !descend(e.dirent.Name())
	}
	visit := func(e walkEntry) (bool, error) {
		if e.info.IsDir() {
			return descend(e.dirent.Name()), nil
		}
		if !manifestName(e.dirent.Name()) || (d.Exclude != "" && argoGlob(d.Exclude, e.rel)) || (d.Include != "" && !argoGlob(d.Include, e.rel)) {
			return false, nil
		}
		data, err := s.r.readResolved(e.path, e.real)
		if err != nil {
			return false, err
		}
		total += int64(len(data))
		if max := s.r.opts.MaxFileSize; max > 0 && total > 4*max {
			return false, fmt.Errorf("the directory's manifests are more than %d bytes", 4*max)
		}
		var o []Object
		if strings.ToLower(filepath.Ext(e.dirent.Name())) == ".jsonnet" {
			s.kind = KindJsonnet
			o, err = s.jsonnet(ctx, e.path, data)
		} else {
			o, err = parseManifestFile(s.r.display(e.path), data)
		}
		if err != nil {
			return false, err
		}
		objs = append(objs, o...)
		return false, nil
	}
	// A second link to a directory already read is refused as a loop, not read again.
	if err := (repoWalk{r: s.r, skip: skip, visit: visit}).run(ctx, s.dir, real); err != nil {
		return nil, err
	}
	return objs, nil
}

// manifestName says whether a file of a directory source is read, by its extension.
func manifestName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json", ".jsonnet":
		return true
	}
	return false
}

// parseManifestFile reads the objects of a manifest of a directory source, each with the
// line its document starts on.
func parseManifestFile(file string, data []byte) ([]Object, error) {
	var objs []Object
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err.Error() == "EOF" {
				break
			}
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			if v == nil {
				continue
			}
			return nil, fmt.Errorf("%s: line %d: the document is not a Kubernetes object", file, n.Line)
		}
		if _, enc := m["sops"]; enc {
			continue // an encrypted file is not applied as it is
		}
		o, err := newObjects(file, m)
		if err != nil {
			return nil, err
		}
		line := n.Line
		if len(n.Content) > 0 {
			line = n.Content[0].Line
		}
		for i := range o {
			o[i].Line = line
		}
		objs = append(objs, o...)
	}
	return objs, nil
}

// argoGlob matches Argo CD's directory include/exclude: "*" crosses "/", and {a,b} lists
// alternatives.
func argoGlob(pattern, name string) bool {
	for _, p := range expandBraces(pattern) {
		g, err := compileArgoGlob(p)
		if err == nil && g.MatchString(name) {
			return true
		}
	}
	return false
}

func compileArgoGlob(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for _, c := range p {
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func expandBraces(p string) []string {
	i := strings.IndexByte(p, '{')
	j := strings.IndexByte(p, '}')
	if i < 0 || j < i {
		return []string{p}
	}
	var out []string
	for _, alt := range strings.Split(p[i+1:j], ",") {
		out = append(out, expandBraces(p[:i]+alt+p[j+1:])...)
	}
	return out
}
