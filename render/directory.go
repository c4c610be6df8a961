package render

import (
	"bytes"
	"context"
	"fmt"
	"os"
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
	visited := map[string]bool{real: true}
	var walk func(userDir, realDir, rel string) error
	walk = func(userDir, realDir, rel string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := os.ReadDir(realDir)
		if err != nil {
			return s.r.fileErr(userDir, err)
		}
		for _, e := range entries {
			name := e.Name()
			userPath := filepath.Join(userDir, name)
			relName := name
			if rel != "" {
				relName = rel + "/" + name
			}
			ext := strings.ToLower(filepath.Ext(name))
			isManifest := ext == ".yaml" || ext == ".yml" || ext == ".json" || ext == ".jsonnet"
			if e.Type().IsRegular() && !isManifest {
				continue
			}
			if e.IsDir() && (!d.Recurse || strings.HasPrefix(name, ".")) {
				continue
			}
			rp, err := s.r.resolve(userPath)
			if err != nil {
				return err
			}
			fi, err := os.Stat(rp)
			if err != nil {
				return s.r.fileErr(userPath, err)
			}
			if fi.IsDir() {
				if !d.Recurse || strings.HasPrefix(name, ".") {
					continue
				}
				if visited[rp] {
					return fmt.Errorf("%s: a symbolic link loop", s.r.display(userPath))
				}
				visited[rp] = true
				if err := walk(userPath, rp, relName); err != nil {
					return err
				}
				continue
			}
			if !isManifest || (d.Exclude != "" && argoGlob(d.Exclude, relName)) || (d.Include != "" && !argoGlob(d.Include, relName)) {
				continue
			}
			data, err := s.r.readFile(userPath)
			if err != nil {
				return err
			}
			total += int64(len(data))
			if max := s.r.opts.MaxFileSize; max > 0 && total > 4*max {
				return fmt.Errorf("the directory's manifests are more than %d bytes", 4*max)
			}
			var o []Object
			if ext == ".jsonnet" {
				s.kind = KindJsonnet
				o, err = s.jsonnet(ctx, userPath, data)
			} else {
				o, err = parseManifestFile(s.r.display(userPath), data)
			}
			if err != nil {
				return err
			}
			objs = append(objs, o...)
		}
		return nil
	}
	if err := walk(s.dir, real, ""); err != nil {
		return nil, err
	}
	return objs, nil
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
