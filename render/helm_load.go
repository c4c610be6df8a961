package render

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/ignore"
)

var utf8bom = []byte{0xEF, 0xBB, 0xBF}

// loadChart loads the chart in dir as helm's loader.LoadDir does (.helmignore and its
// defaults honoured, a UTF-8 BOM dropped), but with the repository's confinement: every
// entry is resolved, links included, and must stay inside the repository; FIFOs and other
// irregular files are refused without being opened. Helm's own walker follows links
// anywhere and logs each one.
func (r *Renderer) loadChart(dir string) (*chart.Chart, error) {
	top, err := r.resolve(dir)
	if err != nil {
		return nil, err
	}
	rules := ignore.Empty()
	ifile := filepath.Join(dir, ignore.HelmIgnore)
	if _, err := os.Lstat(ifile); err == nil {
		data, err := r.readFile(ifile)
		if err != nil {
			return nil, err
		}
		if rules, err = ignore.Parse(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%s: %w", r.display(ifile), err)
		}
	}
	rules.AddDefaults()
	var files []*loader.BufferedFile
	var size int64
	visited := map[string]bool{top: true}
	var walk func(userDir, realDir, rel string) error
	walk = func(userDir, realDir, rel string) error {
		entries, err := os.ReadDir(realDir)
		if err != nil {
			return r.fileErr(userDir, err)
		}
		for _, e := range entries {
			name := e.Name()
			userPath := filepath.Join(userDir, name)
			n := name
			if rel != "" {
				n = rel + "/" + name
			}
			real, err := r.resolve(filepath.Join(realDir, name))
			if err != nil {
				if o, ok := err.(*outsideError); ok {
					o.name = r.display(userPath)
				}
				return err
			}
			fi, err := os.Stat(real)
			if err != nil {
				return r.fileErr(userPath, err)
			}
			if fi.IsDir() {
				if rules.Ignore(n, fi) {
					continue
				}
				if visited[real] {
					return fmt.Errorf("%s: a symbolic link loop", r.display(userPath))
				}
				visited[real] = true
				if err := walk(userPath, real, n); err != nil {
					return err
				}
				delete(visited, real)
				continue
			}
			if rules.Ignore(n, fi) {
				continue
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("%s is not a regular file; it is not read", r.display(userPath))
			}
			if fi.Size() > loader.MaxDecompressedFileSize {
				return fmt.Errorf("chart file %s is larger than the maximum file size %d", r.display(userPath), loader.MaxDecompressedFileSize)
			}
			data, err := r.readFile(real)
			if err != nil {
				return err
			}
			size += int64(len(data))
			if max := r.opts.MaxFileSize; max > 0 && size > 4*max {
				return fmt.Errorf("the chart's files are more than %d bytes", 4*max)
			}
			files = append(files, &loader.BufferedFile{Name: n, Data: bytes.TrimPrefix(data, utf8bom)})
		}
		return nil
	}
	if err := walk(dir, top, ""); err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b *loader.BufferedFile) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	c, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", r.display(dir), err)
	}
	return c, nil
}
