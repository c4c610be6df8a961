package render

import (
	"context"

	"helm.sh/helm/v3/pkg/chart"
)

// ChartSource fetches what is not in the checkout: charts from Helm repositories and OCI
// registries, and chart dependencies that are not vendored.
type ChartSource interface {
	// Chart returns chart name at version (a semver range allowed) from repoURL: an
	// http(s) Helm repository, or an OCI registry (oci://host/path, or repoURL without a
	// scheme as Argo CD accepts for OCI).
	Chart(ctx context.Context, repoURL, name, version string) (*chart.Chart, error)
	// Dependencies adds to c the dependencies of its Chart.yaml that are not vendored under
	// charts/, as `helm dependency build` would.
	Dependencies(ctx context.Context, c *chart.Chart) error
}
