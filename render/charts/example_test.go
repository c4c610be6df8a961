package charts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/ck8sargo/ck8sargo/render/charts"
)

// A Helm repository with one chart, fetched by a semver range; the second fetch comes from
// the cache.
func Example() {
	tmp, _ := os.MkdirTemp("", "charts-example")
	defer os.RemoveAll(tmp)
	archive, _ := chartutil.Save(&chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "web", Version: "1.2.3"}}, tmp)
	data, _ := os.ReadFile(archive)
	sum := sha256.Sum256(data)

	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		switch r.URL.Path {
		case "/index.yaml":
			fmt.Fprintf(w, "apiVersion: v1\nentries:\n  web:\n  - name: web\n    version: 1.2.3\n    urls: [web-1.2.3.tgz]\n    digest: %s\n", hex.EncodeToString(sum[:]))
		case "/web-1.2.3.tgz":
			_, _ = w.Write(data)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	f, err := charts.New(charts.Options{CacheDir: tmp + "/cache"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		c, err := f.Chart(context.Background(), srv.URL, "web", "^1.0.0")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.Name(), c.Metadata.Version, "after", requests, "requests")
	}
	// Output:
	// web 1.2.3 after 2 requests
	// web 1.2.3 after 2 requests
}
