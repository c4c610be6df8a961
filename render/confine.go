package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
)

// Confinement: every file a renderer reads is resolved, symbolic links included, and must
// lie inside the repository root (itself resolved). The check is made on the resolved
// path, not lexically, so that a link anywhere in the path cannot lead outside.

// errOutside is wrapped by every refusal to read outside the repository.
var errOutside = errors.New("resolves outside the repository")

// outsideError names the path that leads outside, as the user sees it (never where it
// leads, never its content).
type outsideError struct{ name string }

func (e *outsideError) Error() string {
	return fmt.Sprintf("%s %s (through a symbolic link or ..); it is not read", e.name, errOutside)
}

func (e *outsideError) Unwrap() error { return errOutside }

// inside says whether path is root or below it; both must be clean and absolute.
func inside(root, path string) bool {
	if root == "" {
		return false
	}
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// display is the name users see for an absolute path: relative to the base directory when
// it is below it, with forward slashes.
func (r *Renderer) display(abs string) string {
	if r.baseDir != "" {
		if rel, err := filepath.Rel(r.baseDir, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	if r.rootAbs != "" {
		if rel, err := filepath.Rel(r.rootAbs, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

// resolve follows the symbolic links of p (absolute) and returns the real path, which
// must be inside the repository. A path that does not exist resolves as far as it
// exists, so that a missing file inside is "not found" and one behind a link outside is
// refused.
func (r *Renderer) resolve(p string) (string, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", r.display(p), cleanPathErr(err))
		}
		// Resolve the longest existing prefix.
		dir, rest := filepath.Dir(p), filepath.Base(p)
		for {
			d, derr := filepath.EvalSymlinks(dir)
			if derr == nil {
				real = filepath.Join(d, rest)
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return "", fmt.Errorf("%s: %w", r.display(p), fs.ErrNotExist)
			}
			rest = filepath.Join(filepath.Base(dir), rest)
			dir = parent
		}
		if !inside(r.root, real) {
			return "", &outsideError{name: r.display(p)}
		}
		return "", fmt.Errorf("%s: %w", r.display(p), fs.ErrNotExist)
	}
	if !inside(r.root, real) {
		return "", &outsideError{name: r.display(p)}
	}
	return real, nil
}

// readFile reads a file of the repository: resolved inside it, a regular file, at most
// MaxFileSize bytes.
func (r *Renderer) readFile(p string) ([]byte, error) {
	real, err := r.resolve(p)
	if err != nil {
		return nil, err
	}
	return r.readResolved(p, real)
}

// readResolved is readFile for a path p already resolved to real, as a repoWalk entry is:
// errors name p, as the user sees it.
func (r *Renderer) readResolved(p, real string) ([]byte, error) {
	data, err := inputfile.Read(real, r.opts.MaxFileSize)
	if err != nil {
		return nil, r.fileErr(p, err)
	}
	return data, nil
}

// fileErr says what is wrong with a file in the user's terms, naming it as they see it.
func (r *Renderer) fileErr(p string, err error) error {
	var nr *inputfile.NotRegularError
	var tl *inputfile.TooLargeError
	switch {
	case errors.As(err, &nr):
		return fmt.Errorf("%s is %s, not a regular file; it is not read", r.display(p), nr.What)
	case errors.As(err, &tl):
		return fmt.Errorf("%s is %s, over the limit of %s", r.display(p), inputfile.HumanSize(tl.Size), inputfile.HumanSize(tl.Limit))
	}
	return fmt.Errorf("%s: %w", r.display(p), cleanPathErr(err))
}

// cleanPathErr drops the path from a *fs.PathError: callers name the file as users see it.
func cleanPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// statInside is os.Stat of the resolved path, refusing paths that lead outside.
func (r *Renderer) statInside(p string) (string, os.FileInfo, error) {
	real, err := r.resolve(p)
	if err != nil {
		return "", nil, err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", r.display(p), cleanPathErr(err))
	}
	return real, st, nil
}
