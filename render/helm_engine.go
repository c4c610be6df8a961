package render

import (
	"context"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/ck8sargo/ck8sargo/render/internal/helmengine"
)

// renderTemplates runs the chart's templates with Helm's engine, bounded: output stops at
// max bytes (64 MiB when 0), every template function fails once ctx is done, and counts
// that would allocate past the limits are refused.
func renderTemplates(ctx context.Context, chrt *chart.Chart, vals chartutil.Values, max int64) (map[string]string, error) {
	return helmengine.Engine{Ctx: ctx, MaxOutput: max}.Render(chrt, vals)
}
