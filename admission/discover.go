package admission

import (
	"context"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Discover reads the cluster's admission policies: its Gatekeeper mutators,
// ConstraintTemplates and Constraints, in the stable order of Sorted. Kinds the user may
// not list come back as warnings naming the right to request; the error is for a cluster
// that cannot be read at all.
func Discover(ctx context.Context, cl *argocdmanaged.Clients) (Policies, []error, error) {
	objs, warnings, err := cl.AdmissionPolicies(ctx)
	if err != nil {
		return Policies{}, nil, err
	}
	var p Policies
	for _, o := range objs {
		if IsPolicy(o) {
			p.Objects = append(p.Objects, o)
		}
	}
	return p.Sorted(), warnings, nil
}
