package charts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
)

// Dependencies adds to c the dependencies of its Chart.yaml that are not vendored under
// charts/, as `helm dependency build` would: each from its repository (http(s) or oci://),
// at the version Chart.lock pins when it lists the dependency, else the newest that matches
// the Chart.yaml range. A dependency is vendored when c already has a subchart of that
// name; one chart used under several aliases is fetched once. A repository given by name
// ("@stable", "alias:stable") is the Credential with that Name, as Argo CD adds its
// repository Secrets by name before `helm dependency build`. Fetched charts get their own
// missing dependencies the same way; a chain leading back to a chart name already on it is
// a *CycleError.
//
// A dependency with a file:// repository is not fetched: it is in the checkout, and the
// caller adds it (before calling Dependencies, so that it counts as vendored); one still
// missing is a *LocalDependencyError. Every dependency is attempted; the errors are joined.
func (f *Fetcher) Dependencies(ctx context.Context, c *chart.Chart) error {
	if c == nil || c.Metadata == nil {
		return errors.New("dependencies: no chart")
	}
	return f.dependencies(ctx, c, []string{c.Name()})
}

func (f *Fetcher) dependencies(ctx context.Context, c *chart.Chart, path []string) error {
	vendored := map[string]bool{}
	for _, sub := range c.Dependencies() {
		vendored[sub.Name()] = true
	}
	var errs []error
	for _, d := range c.Metadata.Dependencies {
		if d == nil || vendored[d.Name] {
			continue
		}
		vendored[d.Name] = true
		repoURL := strings.TrimSpace(d.Repository)
		switch {
		case strings.HasPrefix(repoURL, "file://"):
			errs = append(errs, &LocalDependencyError{Chart: c.Name(), Dependency: d.Name, Repository: repoURL})
			continue
		case repoURL == "":
			errs = append(errs, fmt.Errorf("chart %s: dependency %s has no repository and is not vendored under charts/", c.Name(), d.Name))
			continue
		case strings.HasPrefix(repoURL, "@") || strings.HasPrefix(repoURL, "alias:"):
			// As Argo CD: the name of a repository Secret (helm repo add <name> <url>).
			alias := strings.TrimPrefix(strings.TrimPrefix(repoURL, "@"), "alias:")
			u, ok := namedRepository(f.opts.Credentials, alias)
			if !ok {
				errs = append(errs, fmt.Errorf("chart %s: dependency %s names the Helm repository %q, which no repository Secret defines", c.Name(), d.Name, alias))
				continue
			}
			repoURL = u
		}
		if slices.Contains(path, d.Name) {
			i := slices.Index(path, d.Name)
			errs = append(errs, &CycleError{Path: append(slices.Clone(path[i:]), d.Name)})
			continue
		}
		version := lockedVersion(c, d)
		sub, err := f.Chart(ctx, repoURL, d.Name, version)
		if err != nil {
			errs = append(errs, fmt.Errorf("chart %s: dependency %s: %w", c.Name(), d.Name, err))
			continue
		}
		if err := f.dependencies(ctx, sub, append(slices.Clone(path), d.Name)); err != nil {
			errs = append(errs, err)
			continue
		}
		c.AddDependency(sub)
	}
	return errors.Join(errs...)
}

// lockedVersion is the version Chart.lock pins for d, else d's own version (range).
func lockedVersion(c *chart.Chart, d *chart.Dependency) string {
	if c.Lock != nil {
		for _, l := range c.Lock.Dependencies {
			if l != nil && l.Name == d.Name && strings.TrimSuffix(l.Repository, "/") == strings.TrimSuffix(d.Repository, "/") && l.Version != "" {
				return l.Version
			}
		}
	}
	return d.Version
}
