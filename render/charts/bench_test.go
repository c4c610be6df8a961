package charts_test

import (
	"context"
	"testing"

	"github.com/ck8sargo/ck8sargo/render/charts"
)

// BenchmarkChartCached measures a chart that is in the cache: a new Fetcher (a new process)
// reading the archive from disk, and the same Fetcher reading it from memory. Either costs
// no request, which the benchmark checks.
func BenchmarkChartCached(b *testing.B) {
	r, cache, warm := cachedWeb(b, "1.0.0", "1.0.0")
	before := r.requests.Load()

	b.Run("disk", func(b *testing.B) {
		for b.Loop() {
			f, err := charts.New(charts.Options{CacheDir: cache})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Chart(context.Background(), r.URL, "web", "1.0.0"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memory", func(b *testing.B) {
		for b.Loop() {
			if _, err := warm.Chart(context.Background(), r.URL, "web", "1.0.0"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("range-with-cached-index", func(b *testing.B) {
		for b.Loop() {
			if _, err := warm.Chart(context.Background(), r.URL, "web", "^1.0.0"); err != nil {
				b.Fatal(err)
			}
		}
	})
	if got := r.requests.Load(); got != before {
		b.Fatalf("a cached chart made %d requests", got-before)
	}
}
