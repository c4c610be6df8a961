package charts

import (
	"fmt"
	"slices"

	"github.com/Masterminds/semver/v3"
)

// resolveVersion picks from available the version that want asks for, as Helm does for
// `helm pull --version` (and so as Argo CD does, which hands the target revision to Helm):
// an exact string match first; otherwise want is a Masterminds semver constraint ("" is
// "*") and the newest matching version wins. Constraints without a prerelease part skip
// prereleases. Versions that are not semver are ignored unless matched exactly.
func resolveVersion(available []string, want string) (string, error) {
	if want != "" && slices.Contains(available, want) {
		return want, nil
	}
	expr := want
	if expr == "" {
		expr = "*"
	}
	constraint, err := semver.NewConstraint(expr)
	if err != nil {
		return "", fmt.Errorf("version %q is neither a version in the repository nor a semver range: %w", want, err)
	}
	var best *semver.Version
	var bestOriginal string
	for _, s := range available {
		v, err := semver.NewVersion(s)
		if err != nil {
			continue
		}
		if constraint.Check(v) && (best == nil || v.GreaterThan(best)) {
			best, bestOriginal = v, s
		}
	}
	if best == nil {
		return "", errNoMatch
	}
	return bestOriginal, nil
}

var errNoMatch = fmt.Errorf("no version matches")

// exactVersion reports whether want names one version (a full semver x.y.z, with optional
// prerelease and build), so that a cached archive can be used without resolving it against
// the repository.
func exactVersion(want string) bool {
	_, err := semver.StrictNewVersion(want)
	return err == nil
}
