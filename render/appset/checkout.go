package appset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/template"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Cache keeps a checkout's directory and file lists, the files read, and the parsed Go
// templates between Generate calls. Safe for concurrent use. The zero value is not usable;
// use NewCache.
type Cache struct {
	mu        sync.Mutex
	dirs      map[string][]string
	files     map[string][]string
	content   map[string][]byte
	templates map[string]*template.Template
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{dirs: map[string][]string{}, files: map[string][]string{}, content: map[string][]byte{},
		templates: map[string]*template.Template{}}
}

// cached is the value of key in the cache's map m when the cache holds it; otherwise what
// load returns, kept in m when load succeeds. Without a cache it is what load returns.
func cached[T any](c *Cache, m func(*Cache) map[string]T, key string, load func() (T, error)) (T, error) {
	if c == nil {
		return load()
	}
	c.mu.Lock()
	v, ok := m(c)[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	m(c)[key] = v
	c.mu.Unlock()
	return v, nil
}

// checkout is the repository the git generators read, confined to its root.
type checkout struct {
	root      string // symbolic links resolved
	rootErr   error
	revisions []string
	cache     *Cache
}

func newCheckout(opts Options) *checkout {
	c := &checkout{cache: opts.Cache}
	if opts.RepoRoot != "" {
		abs, err := filepath.Abs(opts.RepoRoot)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		c.root, c.rootErr = abs, err
	}
	c.revisions = opts.Revisions
	if c.revisions == nil && c.root != "" {
		c.revisions = gitRevisions(c.root)
	}
	return c
}

// answersTo says whether revision names what is checked out.
func (c *checkout) answersTo(revision string) bool {
	if revision == "" || revision == "HEAD" {
		return true
	}
	for _, r := range c.revisions {
		if r == revision || strings.TrimPrefix(revision, "refs/heads/") == r || strings.TrimPrefix(revision, "refs/tags/") == r {
			return true
		}
		// An abbreviated commit.
		if len(revision) >= 7 && len(r) == 40 && strings.HasPrefix(r, revision) {
			return true
		}
	}
	return false
}

// gitRevisions reads the branch and commit that .git/HEAD points at, without running git.
func gitRevisions(root string) []string {
	gitDir := filepath.Join(root, ".git")
	if b, err := os.ReadFile(gitDir); err == nil {
		// A worktree or submodule: "gitdir: PATH".
		if s, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: "); ok {
			if !filepath.IsAbs(s) {
				s = filepath.Join(root, s)
			}
			gitDir = s
		}
	}
	head, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return []string{}
	}
	h := strings.TrimSpace(string(head))
	ref, isRef := strings.CutPrefix(h, "ref: ")
	if !isRef {
		return []string{h}
	}
	out := []string{strings.TrimPrefix(ref, "refs/heads/")}
	if b, err := os.ReadFile(filepath.Join(gitDir, filepath.FromSlash(ref))); err == nil {
		out = append(out, strings.TrimSpace(string(b)))
	} else if b, err := os.ReadFile(filepath.Join(gitDir, "packed-refs")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if sha, name, ok := strings.Cut(strings.TrimSpace(line), " "); ok && name == ref {
				out = append(out, sha)
			}
		}
	}
	return out
}

// directories lists the directories as Argo CD's repo server does for the git directory
// generator: every directory below the root, slash-separated and relative, in walk order,
// hidden ones (and what is below them) left out, symbolic links not followed.
func (c *checkout) directories() ([]string, error) {
	if c.rootErr != nil {
		return nil, c.rootErr
	}
	return cached(c.cache, func(k *Cache) map[string][]string { return k.dirs }, c.root, c.walkDirectories)
}

// walkDirectories is directories, read from the disk.
func (c *checkout) walkDirectories() ([]string, error) {
	var paths []string
	err := filepath.WalkDir(c.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("error walking the file tree: %w", err)
		}
		if !e.IsDir() {
			return nil
		}
		if p != c.root && strings.HasPrefix(e.Name(), ".") {
			return filepath.SkipDir
		}
		if p == c.root {
			return nil
		}
		rel, err := filepath.Rel(c.root, p)
		if err != nil {
			return err
		}
		paths = append(paths, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return paths, nil
}

// files lists the files of the checkout (regular files and symbolic links), relative and
// slash-separated, .git left out: what `git ls-files` lists of a clean checkout.
func (c *checkout) files() ([]string, error) {
	if c.rootErr != nil {
		return nil, c.rootErr
	}
	return cached(c.cache, func(k *Cache) map[string][]string { return k.files }, c.root, c.walkFiles)
}

// walkFiles is files, read from the disk.
func (c *checkout) walkFiles() ([]string, error) {
	var files []string
	err := filepath.WalkDir(c.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if e.Name() == ".git" && p != c.root {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		rel, err := filepath.Rel(c.root, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// errOutside is a file whose symbolic links lead out of the checkout.
var errOutside = errors.New("the file links outside the repository")

// read reads a file of the checkout, its symbolic links resolved and kept inside.
func (c *checkout) read(rel string) ([]byte, error) {
	return cached(c.cache, func(k *Cache) map[string][]byte { return k.content }, c.root+"\x00"+rel, func() ([]byte, error) {
		return c.readFile(rel)
	})
}

// readFile is read, from the disk.
func (c *checkout) readFile(rel string) ([]byte, error) {
	p := filepath.Join(c.root, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", rel, err)
	}
	if r, err := filepath.Rel(c.root, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return nil, errOutside
	}
	b, err := os.ReadFile(real)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	return b, nil
}

// normalizeRepoURL compares repository URLs as policy and render do.
func normalizeRepoURL(u string) string { return argocdmanaged.NormalizeRepoURL(u) }
