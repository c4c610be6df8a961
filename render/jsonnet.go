package render

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-jsonnet"
)

// jsonnet evaluates a .jsonnet file of a directory source as Argo CD's repo server does:
// extVars and tlas (envsubst'd with the build environment), libs from the repository
// root, imports relative to the importing file, the source path and the libs, each
// resolved inside the repository.
func (s *srcRun) jsonnet(ctx context.Context, file string, data []byte) ([]Object, error) {
	vm := jsonnet.MakeVM()
	env := s.argoEnv()
	var opts jsonnetOptions
	if s.src.Directory != nil {
		opts = s.src.Directory.Jsonnet
	}
	for _, a := range opts.TLAs {
		if a.Code {
			vm.TLACode(a.Name, envsubst(a.Value, env))
		} else {
			vm.TLAVar(a.Name, envsubst(a.Value, env))
		}
	}
	for _, v := range opts.ExtVars {
		if v.Code {
			vm.ExtCode(v.Name, envsubst(v.Value, env))
		} else {
			vm.ExtVar(v.Name, envsubst(v.Value, env))
		}
	}
	jpaths := []string{s.dir}
	for _, l := range opts.Libs {
		p := filepath.Join(s.r.rootAbs, filepath.FromSlash(l))
		if !inside(s.r.rootAbs, p) {
			return nil, fmt.Errorf("jsonnet lib %s leaves the repository", l)
		}
		jpaths = append(jpaths, p)
	}
	vm.Importer(&confinedImporter{r: s.r, jpaths: jpaths, cache: map[string]jsonnet.Contents{}})
	vm.MaxStack = 500
	out, err := vm.EvaluateAnonymousSnippet(file, string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %s", s.r.display(file), strings.TrimSpace(err.Error()))
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if max := s.r.opts.MaxFileSize; max > 0 && int64(len(out)) > max {
		return nil, fmt.Errorf("%s: the output is more than the limit of %d bytes", s.r.display(file), max)
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return nil, fmt.Errorf("%s: %w", s.r.display(file), err)
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case map[string]any:
		items = []any{x}
	default:
		return nil, fmt.Errorf("%s evaluates to neither an object nor a list of objects", s.r.display(file))
	}
	var objs []Object
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: an element of its output is not a Kubernetes object", s.r.display(file))
		}
		o, err := newObjects(s.r.display(file), m)
		if err != nil {
			return nil, err
		}
		for i := range o {
			o[i].RenderedBy = KindJsonnet
		}
		objs = append(objs, o...)
	}
	return objs, nil
}

// confinedImporter resolves jsonnet imports as jsonnet.FileImporter does (relative to the
// importing file, then the jpaths), but reads only regular files inside the repository.
type confinedImporter struct {
	r      *Renderer
	jpaths []string
	cache  map[string]jsonnet.Contents
}

func (ci *confinedImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	dirs := []string{filepath.Dir(importedFrom)}
	dirs = append(dirs, ci.jpaths...)
	if filepath.IsAbs(importedPath) {
		dirs = []string{""}
	}
	for _, d := range dirs {
		p := filepath.Join(d, importedPath)
		if !filepath.IsAbs(p) {
			continue
		}
		if c, ok := ci.cache[p]; ok {
			return c, p, nil
		}
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		if _, err := ci.r.resolve(p); err != nil {
			return jsonnet.Contents{}, "", err
		}
		data, err := ci.r.readFile(p)
		if err != nil {
			return jsonnet.Contents{}, "", err
		}
		c := jsonnet.MakeContents(string(data))
		ci.cache[p] = c
		return c, p, nil
	}
	return jsonnet.Contents{}, "", fmt.Errorf("couldn't open import %q: no match locally or in the Jsonnet library paths", importedPath)
}
