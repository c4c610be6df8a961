// Package charts fetches Helm charts that are not in the checkout, as Argo CD's repo server
// does: from Helm repositories (index.yaml and archives over http(s)) and OCI registries
// (oci://host/path, or host/path without a scheme as Argo CD writes OCI Helm repositories),
// and the Chart.yaml dependencies of a chart that are not vendored under charts/, as
// `helm dependency build` would.
//
// A Fetcher resolves versions as Helm resolves --version (an exact version, or a
// Masterminds semver range picking the newest match, prereleases only when the range asks
// for them), checks the digest the index or manifest gives, refuses archives with entries
// that escape the chart directory or that are too large, and loads charts in memory with
// Helm's loader. Archives go into a cache on disk (CacheDir, keyed by repository, chart and
// version, written atomically), so that a cached chart costs no network; index files and
// tag lists are cached for a short TTL and then revalidated. Offline, only the cache is
// used and a miss is a *NotCachedError.
//
// Every network call is bounded by Options.Timeout and by the caller's context.
// Credentials come from Argo CD repository Secrets (CredentialsFromSecrets) and the user's
// Helm registry configuration (CredentialsFromRegistryConfig); they are never part of an
// error or an Event.
//
// *Fetcher implements render.ChartSource; this package does not import render.
package charts
