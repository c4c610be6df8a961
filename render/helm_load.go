package render

import (
	"bytes"
	"context"
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
	// A directory reached again by another link is read again, as Helm's loader does;
	// only a link back into a directory being read is a loop.
	w := repoWalk{r: r, revisit: true, visit: func(e walkEntry) (bool, error) {
		if rules.Ignore(e.rel, e.info) {
			return false, nil
		}
		if e.info.IsDir() {
			return true, nil
		}
		if !e.info.Mode().IsRegular() {
			return false, fmt.Errorf("%s is not a regular file; it is not read", r.display(e.path))
		}
		if e.info.Size() > loader.MaxDecompressedFileSize {
			return false, fmt.Errorf("chart file %s is larger than the maximum file size %d", r.display(e.path), loader.MaxDecompressedFileSize)
		}
		data, err := r.readResolved(e.path, e.real)
		if err != nil {
			return false, err
		}
		size += int64(len(data))
		if max := r.opts.MaxFileSize; max > 0 && size > 4*max {
			return false, fmt.Errorf("the chart's files are more than %d bytes", 4*max)
		}
		files = append(files, &loader.BufferedFile{Name: e.rel, Data: bytes.TrimPrefix(data, utf8bom)})
		return false, nil
	}}
	// loadChart takes no context: nothing cancels the walk.
	if err := w.run(context.Background(), dir, top); err != nil {
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
