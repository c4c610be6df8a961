// Package atomicfile writes files so that a reader sees the old content or the new, never a
// part: the data goes to a temporary file in the same directory, with the final mode from
// the start, and is renamed over the target. Files holding keys or decrypted data use 0600.
//
// A path that is a symbolic link is written through: the link is resolved and the file it
// points at is replaced (the temporary file goes in that file's directory, so the rename
// stays on one file system), and the link stays a link. A link whose target does not exist,
// or a target that is not a regular file, is refused; nothing is written then.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrDanglingLink is returned (wrapped in a *LinkError) for a symbolic link whose target
// does not exist.
var ErrDanglingLink = errors.New("its target does not exist")

// LinkError says why a symbolic link could not be written through.
type LinkError struct {
	Path   string // the path given to Write
	Target string // what the link points at, as read with os.Readlink
	Err    error
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link to %s: %v", e.Path, e.Target, e.Err)
}

// Unwrap returns the reason.
func (e *LinkError) Unwrap() error { return e.Err }

// ErrNotRegular is returned when the path (or the file a link points at) exists and is
// not a regular file: a directory, a device, a FIFO. Replacing one by rename would not do
// what the caller means.
var ErrNotRegular = errors.New("not a regular file")

// Resolve returns the file that Write replaces for path: path itself when it is not a
// symbolic link (or does not exist yet), else the link's final target. A dangling link is
// a *LinkError wrapping ErrDanglingLink.
func Resolve(path string) (string, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", err
	}
	if st.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		dest, _ := os.Readlink(path)
		if errors.Is(err, fs.ErrNotExist) {
			err = ErrDanglingLink
		}
		return "", &LinkError{Path: path, Target: dest, Err: err}
	}
	return target, nil
}

// Write replaces path with data. The temporary file is created with perm (before any byte is
// written, so a secret is never readable by others even for a moment), synced, and removed
// on every failure. When path is a symbolic link, the file it points at is replaced and the
// link is kept.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	target, err := Resolve(path)
	var le *LinkError
	if errors.As(err, &le) {
		return err // it names path
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if st, err := os.Stat(target); err == nil && !st.Mode().IsRegular() {
		what := fmt.Errorf("%w (%s)", ErrNotRegular, describe(st.Mode()))
		if target != path {
			return &LinkError{Path: path, Target: target, Err: what}
		}
		return fmt.Errorf("writing %s: %w", path, what)
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, target); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not regular"
}
