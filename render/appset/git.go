package appset

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// gitParams is the git generator, over the checkout.
func (g *generation) gitParams(body map[string]any, where string) ([]map[string]any, error) {
	repoURL, _ := body["repoURL"].(string)
	if g.opts.RepoURL == "" || normalizeRepoURL(repoURL) != normalizeRepoURL(g.opts.RepoURL) {
		checked := g.opts.RepoURL
		if checked == "" {
			checked = "none given"
		}
		return nil, &notRendered{where: where, msg: fmt.Sprintf("git generator on another repository (%s): only the checkout of %s is read", repoURL, checked), otherRepo: repoURL}
	}
	revision, _ := body["revision"].(string)
	if !g.repo.answersTo(revision) {
		return nil, &notRendered{where: where, msg: fmt.Sprintf("revision %q of %s is not checked out (offline): only HEAD is read", revision, repoURL)}
	}
	if g.opts.RepoRoot == "" {
		return nil, &notRendered{where: where, msg: "no checkout to read the git generator from"}
	}
	prefix, _ := body["pathParamPrefix"].(string)
	if dirs := asSlice(body["directories"]); len(dirs) != 0 {
		return g.gitDirectories(body, dirs, prefix, where)
	}
	if files := asSlice(body["files"]); len(files) != 0 {
		return g.gitFiles(body, files, prefix, where)
	}
	return nil, failAt(where, "ApplicationSet is empty: a git generator needs directories or files")
}

type pathItem struct {
	path    string
	exclude bool
}

func pathItems(items []any, where, field string) ([]pathItem, error) {
	out := make([]pathItem, 0, len(items))
	for i, it := range items {
		m, _ := it.(map[string]any)
		p, _ := m["path"].(string)
		ex, _ := m["exclude"].(bool)
		if outside(p) {
			return nil, failAt(fmt.Sprintf("%s.%s[%d].path", where, field, i), "path %q is outside the repository", p)
		}
		out = append(out, pathItem{path: p, exclude: ex})
	}
	return out, nil
}

// outside says whether a git generator path points out of the repository.
func outside(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	c := path.Clean(p)
	return c == ".." || strings.HasPrefix(c, "../")
}

func (g *generation) gitDirectories(body map[string]any, dirs []any, prefix, where string) ([]map[string]any, error) {
	items, err := pathItems(dirs, where, "directories")
	if err != nil {
		return nil, err
	}
	all, err := g.repo.directories()
	if err != nil {
		return nil, failAt(where, "error getting directories from repo: %v", err)
	}
	var apps []string
	for _, p := range all {
		include, exclude := false, false
		for _, it := range items {
			match, err := path.Match(it.path, p)
			if err != nil {
				continue
			}
			if match && !it.exclude {
				include = true
			}
			if match && it.exclude {
				exclude = true
			}
		}
		if include && !exclude {
			apps = append(apps, p)
		}
	}
	res := make([]map[string]any, len(apps))
	for i, a := range apps {
		params := make(map[string]any, 5)
		g.setPathParams(params, prefix, a, "")
		if err := g.appendValues(body, params, where); err != nil {
			return nil, err
		}
		res[i] = params
	}
	return res, nil
}

func (g *generation) gitFiles(body map[string]any, files []any, prefix, where string) ([]map[string]any, error) {
	items, err := pathItems(files, where, "files")
	if err != nil {
		return nil, err
	}
	all, err := g.repo.files()
	if err != nil {
		return nil, failAt(where, "error listing files of the repository: %v", err)
	}
	selected := map[string]bool{}
	for _, it := range items {
		if !it.exclude {
			for _, f := range all {
				if pathspecMatch(it.path, f) {
					selected[f] = true
				}
			}
		}
	}
	for _, it := range items {
		if it.exclude {
			for _, f := range all {
				if pathspecMatch(it.path, f) {
					delete(selected, f)
				}
			}
		}
	}
	paths := make([]string, 0, len(selected))
	for f := range selected {
		paths = append(paths, f)
	}
	sort.Strings(paths)
	repoURL, _ := body["repoURL"].(string)
	var all2 []map[string]any
	for _, f := range paths {
		content, err := g.repo.read(f)
		if err != nil {
			return nil, failAt(where, "unable to process file '%s' from repository '%s': %v", f, repoURL, err)
		}
		ps, err := g.gitFileParams(f, content, body, prefix, where)
		if err != nil {
			return nil, failAt(where, "unable to process file '%s' from repository '%s': %v", f, repoURL, err)
		}
		all2 = append(all2, ps...)
	}
	return all2, nil
}

func (g *generation) gitFileParams(file string, content []byte, body map[string]any, prefix, where string) ([]map[string]any, error) {
	var objects []map[string]any
	single := map[string]any{}
	if err := yaml.Unmarshal(content, &single); err == nil {
		objects = append(objects, single)
	} else if err := yaml.Unmarshal(content, &objects); err != nil {
		return nil, fmt.Errorf("unable to parse file: %w", err)
	}
	dir := path.Dir(file)
	res := make([]map[string]any, 0, len(objects))
	for _, obj := range objects {
		params := map[string]any{}
		if g.goTemplate {
			for k, v := range obj {
				params[k] = v
			}
		} else {
			for k, v := range flattenObject(obj) {
				params[k] = v
			}
		}
		g.setPathParams(params, prefix, dir, file)
		if err := g.appendValues(body, params, where); err != nil {
			return nil, err
		}
		res = append(res, params)
	}
	return res, nil
}

// setPathParams sets the path parameters of a git generator's directory dir, with those of
// file in it for the files generator (file is "" for the directories generator): nested
// under path (in prefix) for Go templates, as flat keys for fasttemplate.
func (g *generation) setPathParams(params map[string]any, prefix, dir, file string) {
	if g.goTemplate {
		pp := map[string]any{
			"path":               dir,
			"basename":           path.Base(dir),
			"basenameNormalized": sanitizeName(path.Base(dir)),
			"segments":           strings.Split(dir, "/"),
		}
		if file != "" {
			pp["filename"] = path.Base(file)
			pp["filenameNormalized"] = sanitizeName(path.Base(file))
		}
		if prefix != "" {
			params[prefix] = map[string]any{"path": pp}
		} else {
			params["path"] = pp
		}
		return
	}
	name := "path"
	if prefix != "" {
		name = prefix + ".path"
	}
	params[name] = dir
	params[name+".basename"] = path.Base(dir)
	params[name+".basenameNormalized"] = sanitizeName(path.Base(dir))
	if file != "" {
		params[name+".filename"] = path.Base(file)
		params[name+".filenameNormalized"] = sanitizeName(path.Base(file))
	}
	for k, v := range strings.Split(dir, "/") {
		if v != "" {
			params[name+"["+strconv.Itoa(k)+"]"] = v
		}
	}
}

// flattenObject is flatten.Flatten(obj, "", DotStyle) with values printed with %v: what
// fasttemplate sees of a git file.
func flattenObject(obj map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(key string, v any, top bool)
	walk = func(key string, v any, top bool) {
		join := func(k string) string {
			if top {
				return key + k
			}
			return key + "." + k
		}
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				walk(join(k), e, false)
			}
		case []any:
			for i, e := range t {
				walk(join(strconv.Itoa(i)), e, false)
			}
		default:
			out[key] = fmt.Sprintf("%v", v)
		}
	}
	walk("", obj, true)
	return out
}

// pathspecMatch is how `git ls-files -- PATTERN` (Argo CD's default file globbing) matches a
// file: the pattern as a literal path or a leading directory, or as a wildcard pattern in
// which * and ? also match "/".
func pathspecMatch(pattern, name string) bool {
	p := pattern
	if p == "" || p == "." {
		return true
	}
	if strings.HasPrefix(p, "./") || strings.Contains(p, "/./") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/.") {
		trail := strings.HasSuffix(p, "/")
		p = path.Clean(p)
		if p == "." {
			return true
		}
		if trail {
			p += "/"
		}
	}
	if strings.HasPrefix(name, p) {
		if len(name) == len(p) || p[len(p)-1] == '/' || name[len(p)] == '/' {
			return true
		}
	}
	if strings.ContainsAny(p, "*?[\\") {
		return wildmatch(p, name)
	}
	return false
}

// wildmatch is git's wildmatch without WM_PATHNAME: * and ? match any character, "/"
// included; [...] classes with ! or ^ negation and ranges; \ quotes the next character.
func wildmatch(p, s string) bool {
	// Backtracking to the last star only is enough because a star matches any character.
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				for pi < len(p) && p[pi] == '*' {
					pi++
				}
				starP, starS = pi, si
				continue
			case '?':
				pi++
				si++
				continue
			case '[':
				if ok, rest, valid := matchClass(p[pi:], s[si]); valid && ok {
					pi = len(p) - len(rest)
					si++
					continue
				}
			case '\\':
				if pi+1 < len(p) && p[pi+1] == s[si] {
					pi += 2
					si++
					continue
				}
			default:
				if p[pi] == s[si] {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		pi, si = starP, starS
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchClass matches one byte against the class at the start of p ("[...]"), returning the
// rest of the pattern; valid is false for an unterminated class.
func matchClass(p string, b byte) (matched bool, rest string, valid bool) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(p) {
		c := p[i]
		if c == ']' && !first {
			return matched != negate, p[i+1:], true
		}
		first = false
		if c == '[' && i+1 < len(p) && p[i+1] == ':' {
			end := strings.Index(p[i+2:], ":]")
			if end >= 0 {
				if classMatches(p[i+2:i+2+end], b) {
					matched = true
				}
				i += 2 + end + 2
				continue
			}
		}
		if c == '\\' && i+1 < len(p) {
			i++
			c = p[i]
		}
		if i+2 < len(p) && p[i+1] == '-' && p[i+2] != ']' {
			hi := p[i+2]
			if hi == '\\' && i+3 < len(p) {
				hi = p[i+3]
				i++
			}
			if c <= b && b <= hi {
				matched = true
			}
			i += 3
			continue
		}
		if c == b {
			matched = true
		}
		i++
	}
	return false, "", false
}

func classMatches(name string, b byte) bool {
	switch name {
	case "alnum":
		return isAlpha(b) || isDigit(b)
	case "alpha":
		return isAlpha(b)
	case "digit":
		return isDigit(b)
	case "lower":
		return b >= 'a' && b <= 'z'
	case "upper":
		return b >= 'A' && b <= 'Z'
	case "space":
		return b == ' ' || (b >= '\t' && b <= '\r')
	case "punct":
		return b > ' ' && b < 127 && !isAlpha(b) && !isDigit(b)
	case "xdigit":
		return isDigit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
	case "blank":
		return b == ' ' || b == '\t'
	case "cntrl":
		return b < ' ' || b == 127
	case "graph":
		return b > ' ' && b < 127
	case "print":
		return b >= ' ' && b < 127
	}
	return false
}

func isAlpha(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }
