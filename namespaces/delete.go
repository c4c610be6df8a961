package namespaces

import (
	"context"
	"fmt"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var pvcResource = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}

// SubnamespaceDeletePlan is what deleting a subnamespace would destroy beyond the namespace
// itself: deleting the anchor makes HNC delete the namespace and everything in it.
type SubnamespaceDeletePlan struct {
	Parent string `json:"parent"`
	Name   string `json:"name"`
	// Exists says whether the namespace exists (an anchor can be ahead of HNC).
	Exists bool `json:"exists"`
	// Applications are the Argo CD Applications that deploy into the namespace: they
	// would fail, and Argo CD would try to recreate what it deploys.
	Applications []string `json:"applications,omitempty"`
	// PersistentVolumeClaims hold data that goes with the namespace.
	PersistentVolumeClaims []string `json:"persistentVolumeClaims,omitempty"`
}

// Blocked says whether the delete must be refused unless forced.
func (d *SubnamespaceDeletePlan) Blocked() bool {
	return len(d.Applications) > 0 || len(d.PersistentVolumeClaims) > 0
}

// DeleteRefusedError is a delete refused because the namespace is still in use.
type DeleteRefusedError struct{ Plan *SubnamespaceDeletePlan }

func (e *DeleteRefusedError) Error() string {
	var why []string
	if a := e.Plan.Applications; len(a) > 0 {
		why = append(why, fmt.Sprintf("Applications deploy into it (%s): delete them or change their destination first", strings.Join(a, ", ")))
	}
	if p := e.Plan.PersistentVolumeClaims; len(p) > 0 {
		why = append(why, fmt.Sprintf("it holds PersistentVolumeClaims (%s) whose data would be deleted: back it up first", strings.Join(p, ", ")))
	}
	return fmt.Sprintf("refusing to delete namespace %q: %s", e.Plan.Name, strings.Join(why, "; "))
}

// PlanSubnamespaceDelete checks that child is a subnamespace of parent and finds what
// deleting it would take with it: Applications deploying into it, and its
// PersistentVolumeClaims. A right missing to look is an error, not an empty list: a delete
// must not be allowed because a check could not be made.
func PlanSubnamespaceDelete(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile, parent, child string) (*SubnamespaceDeletePlan, error) {
	sub, err := GetSubnamespace(ctx, c, parent, child)
	if err != nil {
		return nil, err
	}
	plan := &SubnamespaceDeletePlan{Parent: parent, Name: child}
	apps, err := applicationsByNamespace(ctx, c, p)
	if err != nil {
		return nil, fmt.Errorf("looking for Applications that deploy into %q: %w", child, err)
	}
	plan.Applications = apps[child]
	if plan.Exists, err = namespaceExists(ctx, c, child, sub.State == AnchorStateOk); err != nil {
		return nil, err
	}
	if !plan.Exists {
		return plan, nil
	}
	pvcs, err := c.Kube.CoreV1().PersistentVolumeClaims(child).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("looking for PersistentVolumeClaims in %q: %w", child, c.Explain(err, "list", pvcResource, child, ""))
	}
	for _, pvc := range pvcs.Items {
		plan.PersistentVolumeClaims = append(plan.PersistentVolumeClaims, pvc.Name)
	}
	slices.Sort(plan.PersistentVolumeClaims)
	return plan, nil
}

// DeleteSubnamespace deletes the anchor of plan, and with it (through HNC) the namespace
// and everything in it. It refuses with a *DeleteRefusedError when the plan is blocked and
// force is false.
func DeleteSubnamespace(ctx context.Context, c *argocdmanaged.Clients, plan *SubnamespaceDeletePlan, force bool) error {
	if plan.Blocked() && !force {
		return &DeleteRefusedError{Plan: plan}
	}
	err := c.Dynamic.Resource(SubnamespaceAnchorsResource).Namespace(plan.Parent).Delete(ctx, plan.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) && !argocdmanaged.IsMissingResourceType(err, plan.Name) {
		return nil // already gone: the outcome asked for
	}
	if err != nil {
		if apierrors.IsForbidden(err) && isAdmissionDenial(err) {
			return fmt.Errorf("deleting subnamespace %q of %q: HNC refused: %s", plan.Name, plan.Parent, apiMessage(err))
		}
		return fmt.Errorf("deleting subnamespace %q of %q: %w", plan.Name, plan.Parent, anchorRefused(ctx, c, err, "delete", plan.Parent, plan.Name))
	}
	return nil
}
