package render

import (
	"context"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// renderTemplates runs the chart's templates.
func renderTemplates(ctx context.Context, chrt *chart.Chart, vals chartutil.Values, max int64) (map[string]string, error) {
	return engine.Render(chrt, vals)
}
