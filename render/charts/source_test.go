package charts_test

import (
	"github.com/ck8sargo/ck8sargo/render"
	"github.com/ck8sargo/ck8sargo/render/charts"
)

// The Fetcher is what render fetches remote charts with.
var _ render.ChartSource = (*charts.Fetcher)(nil)
