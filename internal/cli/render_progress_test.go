package cli

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/render/charts"
)

func TestRenderChartProgressShowsEachFetchOnOneLine(t *testing.T) {
	var buf bytes.Buffer
	p := chartProgress(&buf)
	const repo = "https://charts.example.com/stable"
	p(charts.Event{Kind: charts.EventIndex, Repository: repo})
	p(charts.Event{Kind: charts.EventDownload, Repository: repo, Chart: "web", Version: "1.2.0", Bytes: 256 << 10})
	p(charts.Event{Kind: charts.EventFetched, Repository: repo, Chart: "web", Version: "1.2.0", Bytes: 300 << 10})
	p(charts.Event{Kind: charts.EventCached, Repository: repo, Chart: "web", Version: "1.2.0"})
	assert.Equal(t, "reading the chart index of "+repo+"\n"+
		"\rfetching web 1.2.0 from "+repo+": 256.0 KiB"+
		"\rfetched web 1.2.0 from "+repo+": 300.0 KiB\n", buf.String())
}
