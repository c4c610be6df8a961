package editspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Prefix starts the name of every edit directory: "ck8sargo-edit-PID-RANDOM".
const Prefix = "ck8sargo-edit-"

// Space is a private directory for one edit.
type Space struct {
	// Dir is the directory, mode 0700.
	Dir string
	// Memory says whether Dir is on memory-backed storage (a tmpfs), so the plaintext never
	// reaches a disk.
	Memory bool
}

// DefaultDirs are where edit directories go, in order of preference: the memory-backed
// directory of the system (/dev/shm on Linux, when it is a tmpfs) and os.TempDir().
func DefaultDirs() []string {
	var dirs []string
	if m := memoryDir(); m != "" {
		dirs = append(dirs, m)
	}
	return append(dirs, os.TempDir())
}

// New makes an edit directory in the first of dirs where that works, named for this process.
func New(dirs []string) (*Space, error) {
	var errs []error
	pattern := Prefix + strconv.Itoa(os.Getpid()) + "-*"
	for _, d := range dirs {
		dir, err := os.MkdirTemp(d, pattern)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			os.RemoveAll(dir)
			errs = append(errs, err)
			continue
		}
		return &Space{Dir: dir, Memory: isMemory(d)}, nil
	}
	return nil, fmt.Errorf("making a private directory for the plaintext: %w", errors.Join(errs...))
}

// Remove deletes the directory and everything in it.
func (s *Space) Remove() error { return os.RemoveAll(s.Dir) }

// Stale is an edit directory whose process is gone.
type Stale struct {
	Dir string
	PID int
}

// CleanStale removes the edit directories in dirs that belong to this user and whose
// process no longer runs, and returns them. A directory whose process still runs (another
// edit, in another terminal) is left alone, and so is anything this user does not own. A PID
// that was reused since keeps its directory until that process ends too: the safe side.
func CleanStale(dirs []string) ([]Stale, error) {
	var out []Stale
	var errs []error
	seen := map[string]bool{}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		for _, e := range entries {
			pid, ok := ownerPID(e.Name())
			if !ok || !e.IsDir() || pid == os.Getpid() {
				continue
			}
			dir := filepath.Join(d, e.Name())
			if seen[dir] {
				continue
			}
			seen[dir] = true
			info, err := e.Info()
			if err != nil || !ownedByMe(info) || processAlive(pid) {
				continue
			}
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, fmt.Errorf("removing the leftover plaintext in %s: %w", dir, err))
				continue
			}
			out = append(out, Stale{Dir: dir, PID: pid})
		}
	}
	return out, errors.Join(errs...)
}

// ownerPID reads the PID out of "ck8sargo-edit-PID-RANDOM".
func ownerPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return 0, false
	}
	p, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(p)
	return pid, err == nil && pid > 0
}
