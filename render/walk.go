package render

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// repoWalk walks a directory of the repository, for the sources read as a whole tree (a
// directory source, a chart). Entries come in os.ReadDir's order (by name), each resolved
// inside the repository (a link leading outside fails the walk, naming the link) and
// stat'ed through its links. What is read, skipped or walked into is the caller's.
type repoWalk struct {
	r *Renderer
	// revisit walks a directory again when another link reaches it after its walk ended,
	// as Helm's loader does: only a link into a directory still being walked is a loop.
	// Without it every directory is walked once and any second way to one is a loop.
	revisit bool
	// skip, when set, drops an entry on its listing alone (real and info unset), before
	// it is resolved: a link it drops is not followed, wherever it leads.
	skip func(e walkEntry) bool
	// visit is called with each entry that is not skipped, resolved. For a directory
	// (through links) it says whether to walk into it; otherwise its answer is unused.
	visit func(e walkEntry) (descend bool, err error)
}

// walkEntry is one entry met by a repoWalk.
type walkEntry struct {
	dirent fs.DirEntry // as listed, a link not followed
	path   string      // the top as the caller gave it, joined with the names below
	rel    string      // relative to the top, slash-separated
	real   string      // path resolved
	info   fs.FileInfo // os.Stat of real
}

// run walks userDir, whose resolved path is realDir, stopping when ctx is done (checked
// as each directory is entered).
func (w repoWalk) run(ctx context.Context, userDir, realDir string) error {
	visited := map[string]bool{realDir: true}
	var walk func(userDir, realDir, rel string) error
	walk = func(userDir, realDir, rel string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := os.ReadDir(realDir)
		if err != nil {
			return w.r.fileErr(userDir, err)
		}
		for _, d := range entries {
			e := walkEntry{dirent: d, path: filepath.Join(userDir, d.Name()), rel: d.Name()}
			if rel != "" {
				e.rel = rel + "/" + d.Name()
			}
			if w.skip != nil && w.skip(e) {
				continue
			}
			// The path as the user sees it is resolved (not realDir's entry), so that
			// every error names it so.
			if e.real, err = w.r.resolve(e.path); err != nil {
				return err
			}
			if e.info, err = os.Stat(e.real); err != nil {
				return w.r.fileErr(e.path, err)
			}
			descend, err := w.visit(e)
			if err != nil {
				return err
			}
			if !e.info.IsDir() || !descend {
				continue
			}
			if visited[e.real] {
				return fmt.Errorf("%s: a symbolic link loop", w.r.display(e.path))
			}
			visited[e.real] = true
			if err := walk(e.path, e.real, e.rel); err != nil {
				return err
			}
			if w.revisit {
				delete(visited, e.real)
			}
		}
		return nil
	}
	return walk(userDir, realDir, "")
}
