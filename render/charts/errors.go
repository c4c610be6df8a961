package charts

import (
	"errors"
	"fmt"
	"strings"
)

// ErrDigestMismatch is wrapped by the error for an archive whose digest differs from the one
// its Helm repository index or OCI manifest gives.
var ErrDigestMismatch = errors.New("digest mismatch")

// ErrUnsafeArchive is wrapped by the error for a chart archive that holds an entry escaping
// the chart directory ("../", an absolute path), or that is larger than the limits.
var ErrUnsafeArchive = errors.New("unsafe chart archive")

// NotCachedError is returned in offline mode for a chart, or the index or tag list needed to
// resolve its version, that is not in the cache.
type NotCachedError struct {
	Repository string // the repository URL, without credentials
	Chart      string
	Version    string // as asked for: an exact version or a range
}

func (e *NotCachedError) Error() string {
	return fmt.Sprintf("chart %s from %s is not in the cache (offline)", chartVersion(e.Chart, e.Version), e.Repository)
}

// NotFoundError is returned when a repository has no chart of that name, or no version of
// it that matches.
type NotFoundError struct {
	Repository string // the repository URL, without credentials
	Chart      string
	Version    string // as asked for: an exact version or a range
	Reason     string // e.g. "no chart of that name in the index", "no version matches"
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("chart %s not found in %s: %s", chartVersion(e.Chart, e.Version), e.Repository, e.Reason)
}

// LocalDependencyError is returned by Fetcher.Dependencies for a dependency with a file://
// repository that is not vendored: it lives in the checkout, which is the caller's to read
// (as `helm dependency build` reads it from the chart's directory).
type LocalDependencyError struct {
	Chart      string // the chart that declares the dependency
	Dependency string
	Repository string // the file:// URL from Chart.yaml
}

func (e *LocalDependencyError) Error() string {
	return fmt.Sprintf("chart %s: dependency %s from %s is a local path, to be read from the checkout", e.Chart, e.Dependency, e.Repository)
}

// CycleError is returned by Fetcher.Dependencies when a chain of dependencies leads back to
// a chart already on it.
type CycleError struct {
	Path []string // chart names, the first and last equal: [a b a]
}

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Path, " -> ")
}

func chartVersion(name, version string) string {
	if version == "" {
		return name + " (newest)"
	}
	return name + " " + version
}
