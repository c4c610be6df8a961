package charts_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/render/charts"
)

func TestConcurrentFetchesDownloadOnce(t *testing.T) {
	r := newHelmRepo(t, "", "")
	r.publish(t, "web", "1.0.0")
	reg := newOCIRegistry(t, "", "")
	reg.push(t, "", "", "api", "2.0.0")

	var mu sync.Mutex
	kinds := map[charts.EventKind]int{}
	f := newFetcher(t, charts.Options{Progress: func(e charts.Event) {
		mu.Lock()
		kinds[e.Kind]++
		mu.Unlock()
	}})
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			if i%2 == 0 {
				_, errs[i] = f.Chart(context.Background(), r.URL, "web", "^1")
			} else {
				_, errs[i] = f.Chart(context.Background(), "oci://"+reg.host+"/charts", "api", "~2.0")
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), r.archives.Load(), "one archive download for eight callers")
	assert.Equal(t, 2, kinds[charts.EventFetched])
	assert.Equal(t, 2, kinds[charts.EventIndex])
	assert.GreaterOrEqual(t, kinds[charts.EventDownload], 2)
	assert.Equal(t, 14, kinds[charts.EventCached])
}
