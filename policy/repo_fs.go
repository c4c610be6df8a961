package policy

import (
	"io/fs"
	"os"
	"path/filepath"
)

// repoFS is the checked repository as a file system whose every open resolves symbolic
// links and refuses a real path outside the repository, so that a rule reading repository
// files (the sops configuration, a value file) never reads, and so never quotes, a file
// that a link points to elsewhere. os.DirFS follows links anywhere.
type repoFS struct{ root string }

func (f repoFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	real, err := confinedPath(f.root, filepath.Join(f.root, filepath.FromSlash(name)))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() && !st.IsDir() {
		// Opening a FIFO blocks until a writer comes.
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return os.Open(real)
}

// confinedPath returns the real path of p (symbolic links resolved) when it is inside the
// real path of root; fs.ErrPermission otherwise.
func confinedPath(root, p string) (string, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	if !inside(realRoot, real) {
		return "", fs.ErrPermission
	}
	return real, nil
}
