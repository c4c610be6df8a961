package golive

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/policy"
)

// ErrNoObjects is returned when the manifest paths hold no Kubernetes object: a checklist
// judged on nothing would pass items it never saw.
var ErrNoObjects = errors.New("no Kubernetes objects found")

// ErrNoManagedNamespaces is returned for a live check with a profile that names no managed
// namespace: there would be no workload to judge.
var ErrNoManagedNamespaces = errors.New("the profile names no managed namespaces, so the cluster has no workloads to check; discover the profile from the cluster, or list them under namespaces.managed in the profile")

// InputError is returned when some manifest files cannot be read as Kubernetes objects:
// empty of objects, binary, not UTF-8, not YAML, or over the size limit. A go-live verdict
// that silently left them out would claim more than was checked, so there is none.
type InputError struct {
	// Findings are the invalid-manifest findings, one per unreadable file or document.
	Findings []policy.Finding
}

func (e *InputError) Error() string {
	f := e.Findings[0]
	where := f.File
	if f.Line > 0 {
		where = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	msg := fmt.Sprintf("%s cannot be read as Kubernetes objects: %s", where, f.Message)
	if n := len(e.Findings) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return msg + "; fix it, or leave it out of the paths"
}

// checkInput turns what policy reported as unreadable into an error, and an input with no
// object at all into ErrNoObjects.
func checkInput(paths []string, rep *policy.Report) error {
	var bad []policy.Finding
	for _, f := range rep.Findings {
		if f.Rule == policy.RuleInvalidManifest && !f.Suppressed {
			bad = append(bad, f)
		}
	}
	if len(bad) > 0 {
		return &InputError{Findings: bad}
	}
	if rep.Summary.Objects == 0 {
		return fmt.Errorf("%w in %s; check the paths", ErrNoObjects, strings.Join(paths, ", "))
	}
	return nil
}
