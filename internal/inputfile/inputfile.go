// Package inputfile reads the files a user names on the command line: regular files only,
// never more than a limit, so that a FIFO, a device or a directory given by mistake (or by
// an attacker in a repository) is a clear error instead of a hang or an unbounded read.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is returned for a path that is a FIFO, socket, device or directory.
var ErrNotRegular = errors.New("not a regular file")

// TooLargeError is returned for a file over the limit; Size is what was seen (at least
// Limit+1 when the size could only be found by reading).
type TooLargeError struct {
	Path  string
	Size  int64
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is %s, over the limit of %s", e.Path, HumanSize(e.Size), HumanSize(e.Limit))
}

// NotRegularError names the path and what it is.
type NotRegularError struct {
	Path string
	What string // "a directory", "a named pipe (FIFO)", ...
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, e.What)
}

// Unwrap lets callers test with errors.Is(err, ErrNotRegular).
func (e *NotRegularError) Unwrap() error { return ErrNotRegular }

// Check says whether path is a regular file (after following symlinks), without opening it:
// opening a FIFO for reading blocks until a writer comes.
func Check(path string) (fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return st, &NotRegularError{Path: path, What: describe(st.Mode())}
	}
	return st, nil
}

// Read reads a regular file of at most limit bytes (limit <= 0: no limit). The file is
// checked before it is opened and again through the open handle, so that it cannot be
// swapped for a FIFO in between.
func Read(path string, limit int64) ([]byte, error) {
	if _, err := Check(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, What: describe(st.Mode())}
	}
	if limit > 0 && st.Size() > limit {
		return nil, &TooLargeError{Path: path, Size: st.Size(), Limit: limit}
	}
	return ReadAll(path, f, limit)
}

// ReadAll reads r (standard input, say) up to limit bytes; name is for the error.
func ReadAll(name string, r io.Reader, limit int64) ([]byte, error) {
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, &TooLargeError{Path: name, Size: int64(len(data)), Limit: limit}
	}
	return data, nil
}

func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// HumanSize prints a byte count in binary units, as the size errors show it.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
