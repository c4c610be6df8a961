package charts

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

// store writes an archive to the cache, atomically and 0644 (charts are not secret), and
// keeps it in memory.
func (f *Fetcher) store(file string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("caching chart: %w", err)
	}
	if err := atomicfile.Write(file, data, 0o644); err != nil {
		return fmt.Errorf("caching chart: %w", err)
	}
	f.remember(file, data)
	return nil
}

// checkArchive refuses a chart archive that is not a gzipped tar, holds an entry whose path
// is absolute or climbs out of the chart directory, or expands to more than maxExpanded
// bytes. Helm's loader checks some of this too; checking first gives one clear error, and
// bounds the work before the loader reads anything into memory.
func checkArchive(data []byte, maxExpanded int64) error {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: not a gzip archive", ErrUnsafeArchive)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: reading the tar stream: %v", ErrUnsafeArchive, err)
		}
		name := strings.ReplaceAll(h.Name, `\`, "/")
		if strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':') {
			return fmt.Errorf("%w: entry %q has an absolute path", ErrUnsafeArchive, h.Name)
		}
		if clean := path.Clean(name); clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("%w: entry %q escapes the chart directory", ErrUnsafeArchive, h.Name)
		}
		if h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink {
			if t := path.Clean(path.Join(path.Dir(name), h.Linkname)); path.IsAbs(h.Linkname) || t == ".." || strings.HasPrefix(t, "../") {
				return fmt.Errorf("%w: link %q points out of the chart directory", ErrUnsafeArchive, h.Name)
			}
		}
		n, err := io.Copy(io.Discard, io.LimitReader(tr, maxExpanded-total+1))
		total += n
		if err != nil {
			return fmt.Errorf("%w: reading entry %q: %v", ErrUnsafeArchive, h.Name, err)
		}
		if total > maxExpanded {
			return fmt.Errorf("%w: expands to more than %d bytes", ErrUnsafeArchive, maxExpanded)
		}
	}
	return nil
}
