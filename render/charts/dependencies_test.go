package charts_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chart"

	"github.com/ck8sargo/ck8sargo/render/charts"
)

func subchartVersions(c *chart.Chart) map[string]string {
	out := map[string]string{}
	for _, d := range c.Dependencies() {
		out[d.Name()] = d.Metadata.Version
	}
	return out
}

func rootChart(deps ...*chart.Dependency) *chart.Chart {
	return &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "root", Version: "0.1.0", Dependencies: deps}}
}

func TestDependenciesFetchedFromBothKindsOfRepository(t *testing.T) {
	r := newHelmRepo(t, "", "")
	r.publish(t, "redis", "17.0.0")
	r.publish(t, "redis", "17.3.1")
	r.publish(t, "redis", "18.0.0")
	r.publish(t, "common", "2.0.0")
	// A fetched chart with its own missing dependency gets it too.
	r.publish(t, "postgres", "12.1.0", &chart.Dependency{Name: "common", Version: "2.x", Repository: r.URL})
	reg := newOCIRegistry(t, "", "")
	reg.push(t, "", "", "nginx", "15.0.0")
	reg.push(t, "", "", "nginx", "15.2.0")

	c := rootChart(
		&chart.Dependency{Name: "redis", Version: "~17.0", Repository: r.URL},
		&chart.Dependency{Name: "redis", Version: "~17.0", Repository: r.URL, Alias: "cache"},
		&chart.Dependency{Name: "nginx", Version: ">=15.0.0 <16.0.0", Repository: "oci://" + reg.host + "/charts"},
		&chart.Dependency{Name: "postgres", Version: "12.1.0", Repository: r.URL + "/"},
		&chart.Dependency{Name: "vendored", Version: "1.0.0"},
	)
	c.AddDependency(&chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "vendored", Version: "1.0.0"}})

	f := newFetcher(t, charts.Options{})
	require.NoError(t, f.Dependencies(context.Background(), c))
	assert.Equal(t, map[string]string{"redis": "17.0.0", "nginx": "15.2.0", "postgres": "12.1.0", "vendored": "1.0.0"}, subchartVersions(c))
	for _, d := range c.Dependencies() {
		if d.Name() == "postgres" {
			assert.Equal(t, map[string]string{"common": "2.0.0"}, subchartVersions(d))
			assert.Equal(t, c, d.Parent())
		}
	}
	// Calling again adds nothing: everything is vendored now.
	require.NoError(t, f.Dependencies(context.Background(), c))
	assert.Len(t, c.Dependencies(), 4)
}

func TestDependencyRepositoryByArgoCDRepositoryName(t *testing.T) {
	r := newHelmRepo(t, "alice", "pw")
	r.publish(t, "redis", "17.0.0")
	pub := newHelmRepo(t, "", "")
	pub.publish(t, "common", "2.0.0")
	creds := []charts.Credential{
		{URL: r.URL, Username: "alice", Password: "pw", Name: "private"},
		{URL: pub.URL, Name: "public"},
	}
	c := rootChart(
		&chart.Dependency{Name: "redis", Version: "17.0.0", Repository: "@private"},
		&chart.Dependency{Name: "common", Version: "2.x", Repository: "alias:public"},
	)
	require.NoError(t, newFetcher(t, charts.Options{Credentials: creds}).Dependencies(context.Background(), c))
	assert.Equal(t, map[string]string{"redis": "17.0.0", "common": "2.0.0"}, subchartVersions(c))
}

func TestDependenciesFollowChartLock(t *testing.T) {
	r := newHelmRepo(t, "", "")
	r.publish(t, "redis", "17.0.0")
	r.publish(t, "redis", "17.0.5")
	c := rootChart(&chart.Dependency{Name: "redis", Version: "~17.0", Repository: r.URL})
	c.Lock = &chart.Lock{Dependencies: []*chart.Dependency{{Name: "redis", Version: "17.0.0", Repository: r.URL}}}
	require.NoError(t, newFetcher(t, charts.Options{}).Dependencies(context.Background(), c))
	assert.Equal(t, map[string]string{"redis": "17.0.0"}, subchartVersions(c))
}

func TestDependencyCycleIsAnErrorNamingIt(t *testing.T) {
	r := newHelmRepo(t, "", "")
	r.publish(t, "b", "1.0.0", &chart.Dependency{Name: "c", Version: "1.0.0", Repository: r.URL})
	r.publish(t, "c", "1.0.0", &chart.Dependency{Name: "a", Version: "1.0.0", Repository: r.URL})
	r.publish(t, "a", "1.0.0", &chart.Dependency{Name: "b", Version: "1.0.0", Repository: r.URL})

	c := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "a", Version: "1.0.0",
		Dependencies: []*chart.Dependency{{Name: "b", Version: "1.0.0", Repository: r.URL}}}}
	err := newFetcher(t, charts.Options{}).Dependencies(context.Background(), c)
	var ce *charts.CycleError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"a", "b", "c", "a"}, ce.Path)
	assert.Contains(t, err.Error(), "dependency cycle: a -> b -> c -> a")
}

func TestDependenciesThatCannotBeFetched(t *testing.T) {
	r := newHelmRepo(t, "", "")
	r.publish(t, "redis", "17.0.0")
	c := rootChart(
		&chart.Dependency{Name: "local", Version: "0.1.0", Repository: "file://../local"},
		&chart.Dependency{Name: "aliased", Version: "1.0.0", Repository: "@stable"},
		&chart.Dependency{Name: "nowhere", Version: "1.0.0"},
		&chart.Dependency{Name: "missing", Version: "1.0.0", Repository: r.URL},
		&chart.Dependency{Name: "redis", Version: "17.0.0", Repository: r.URL},
	)
	err := newFetcher(t, charts.Options{}).Dependencies(context.Background(), c)
	require.Error(t, err)

	var local *charts.LocalDependencyError
	require.ErrorAs(t, err, &local)
	assert.Equal(t, charts.LocalDependencyError{Chart: "root", Dependency: "local", Repository: "file://../local"}, *local)
	var nf *charts.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "missing", nf.Chart)
	assert.Contains(t, err.Error(), `names the Helm repository "stable", which no repository Secret defines`)
	assert.Contains(t, err.Error(), "no repository and is not vendored")
	// The dependency that could be fetched still was.
	assert.True(t, slices.ContainsFunc(c.Dependencies(), func(d *chart.Chart) bool { return d.Name() == "redis" }))
}

func TestDependenciesOfflineAreNotCachedErrors(t *testing.T) {
	r := newHelmRepo(t, "", "")
	r.publish(t, "redis", "17.0.0")
	c := rootChart(&chart.Dependency{Name: "redis", Version: "17.0.0", Repository: r.URL})
	err := newFetcher(t, charts.Options{Offline: true}).Dependencies(context.Background(), c)
	var nc *charts.NotCachedError
	require.ErrorAs(t, err, &nc)
	assert.Equal(t, int64(0), r.requests.Load())
}
