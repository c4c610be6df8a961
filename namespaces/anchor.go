package namespaces

import (
	"context"
	"errors"
	"fmt"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"k8s.io/client-go/discovery"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// HNC's API group and the names it writes on namespaces.
const (
	HNCGroup   = "hnc.x-k8s.io"
	HNCVersion = "v1alpha2"
	// KindSubnamespaceAnchor is the HNC kind that asks for a subnamespace of its namespace.
	KindSubnamespaceAnchor = "SubnamespaceAnchor"
	// SubnamespaceOfAnnotation is set by HNC on a subnamespace, naming its parent.
	SubnamespaceOfAnnotation = HNCGroup + "/subnamespace-of"
	// TreeDepthLabelSuffix ends the labels HNC puts on a namespace for each ancestor
	// ("<ancestor>.tree.hnc.x-k8s.io/depth": distance); depth 1 is the parent.
	TreeDepthLabelSuffix = ".tree." + HNCGroup + "/depth"
)

// createdByLabel, set to the clients' field manager, marks the anchors this project applies.
const createdByLabel = "app.kubernetes.io/created-by"

// SubnamespaceAnchorsResource is the HNC SubnamespaceAnchor resource, for dynamic clients.
var SubnamespaceAnchorsResource = schema.GroupVersionResource{Group: HNCGroup, Version: HNCVersion, Resource: "subnamespaceanchors"}

// The states HNC writes in a SubnamespaceAnchor's status.status.
const (
	AnchorStateMissing   = "Missing"   // the subnamespace has not been created yet
	AnchorStateOk        = "Ok"        // the subnamespace exists
	AnchorStateConflict  = "Conflict"  // a namespace of that name exists and is not this anchor's
	AnchorStateForbidden = "Forbidden" // the parent may not have subnamespaces
)

// ErrHNCNotInstalled means the SubnamespaceAnchor API is missing from the cluster, or
// hidden from the user.
var ErrHNCNotInstalled = errors.New("HNC is not installed or not visible to you: the hnc.x-k8s.io/v1alpha2 SubnamespaceAnchor API was not found; check the kubeconfig context, or ask the Platform Administrator whether HNC is enabled")

// AnchorRefusedError is a subnamespace that cannot be made: the API server, HNC or the
// user's rights refused the anchor. Reason says why in words a user can act on.
type AnchorRefusedError struct {
	Parent, Child string
	Reason        string
	Err           error
}

func (e *AnchorRefusedError) Error() string {
	return fmt.Sprintf("subnamespace %q of %q was refused: %s", e.Child, e.Parent, e.Reason)
}

func (e *AnchorRefusedError) Unwrap() error { return e.Err }

// Subnamespace is a SubnamespaceAnchor as read from the cluster.
type Subnamespace struct {
	Parent string `json:"parent"`
	Name   string `json:"name"`
	// State is the anchor's status as HNC writes it (AnchorStateOk, ...); empty until HNC
	// has looked at the anchor.
	State string `json:"state,omitempty"`
}

// CreateSubnamespace asks HNC for namespace child under parent by applying a
// SubnamespaceAnchor in parent, server-side, as the identity of c (never a more privileged
// one). Applying an anchor that already exists is not an error. A refusal (HNC missing, no
// rights in parent, HNC's admission webhook, a bad name) is an *AnchorRefusedError.
func CreateSubnamespace(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile, parent, child string) (*Subnamespace, error) {
	if err := validateSubnamespace(p, parent, child); err != nil {
		return nil, err
	}
	anchor := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": HNCGroup + "/" + HNCVersion,
		"kind":       KindSubnamespaceAnchor,
		// The label gives the field manager a field to own: server-side apply drops a
		// manager that owns nothing, and then nobody could tell who made the anchor.
		"metadata": map[string]any{"name": child, "namespace": parent,
			"labels": map[string]any{createdByLabel: c.Manager()}},
	}}
	got, err := c.Dynamic.Resource(SubnamespaceAnchorsResource).Namespace(parent).
		Apply(ctx, child, anchor, metav1.ApplyOptions{FieldManager: c.Manager()})
	if err != nil {
		return nil, anchorRefused(ctx, c, err, "create and patch", parent, child)
	}
	return subnamespaceFrom(got), nil
}

// GetSubnamespace reads the anchor of child in parent; a missing anchor is an error that
// says so.
func GetSubnamespace(ctx context.Context, c *argocdmanaged.Clients, parent, child string) (*Subnamespace, error) {
	got, err := c.Dynamic.Resource(SubnamespaceAnchorsResource).Namespace(parent).Get(ctx, child, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) && !argocdmanaged.IsMissingResourceType(err, child) {
			return nil, fmt.Errorf("no SubnamespaceAnchor %q in namespace %q: %q is not a subnamespace of %q", child, parent, child, parent)
		}
		return nil, anchorRefused(ctx, c, err, "get", parent, child)
	}
	return subnamespaceFrom(got), nil
}

func subnamespaceFrom(u *unstructured.Unstructured) *Subnamespace {
	state, _, _ := unstructured.NestedString(u.Object, "status", "status")
	return &Subnamespace{Parent: u.GetNamespace(), Name: u.GetName(), State: state}
}

func validateSubnamespace(p argocdmanaged.Profile, parent, child string) error {
	for _, n := range []struct{ what, name string }{{"parent", parent}, {"subnamespace", child}} {
		if n.name == "" {
			return fmt.Errorf("the %s namespace name is empty", n.what)
		}
		if errs := validation.IsDNS1123Label(n.name); len(errs) > 0 {
			return fmt.Errorf("%q is not a valid %s namespace name: %s", n.name, n.what, strings.Join(errs, "; "))
		}
	}
	if parent == child {
		return fmt.Errorf("a namespace cannot be its own subnamespace (%q)", child)
	}
	if p.IsPlatformNamespace(parent) {
		return &AnchorRefusedError{Parent: parent, Child: child,
			Reason: fmt.Sprintf("%q is owned by the platform; create subnamespaces under one of your own namespaces", parent)}
	}
	if p.IsPlatformNamespace(child) {
		return &AnchorRefusedError{Parent: parent, Child: child,
			Reason: fmt.Sprintf("%q is the name of a platform namespace; choose another name", child)}
	}
	return nil
}

// anchorRefused explains an error from an anchor request: HNC missing, no rights, or a
// refusal by HNC's admission webhook or the API server's validation. Errors that are not a
// refusal (connection, credentials, context) are returned explained but unwrapped.
func anchorRefused(ctx context.Context, c *argocdmanaged.Clients, err error, verb, parent, child string) error {
	refused := func(reason string, cause error) error {
		return &AnchorRefusedError{Parent: parent, Child: child, Reason: reason, Err: cause}
	}
	switch {
	case meta.IsNoMatchError(err) || argocdmanaged.IsMissingResourceType(err, child) || hncMissing(ctx, c, err):
		return refused(ErrHNCNotInstalled.Error(), fmt.Errorf("%w (%s)", ErrHNCNotInstalled, argocdmanaged.RootCause(err)))
	case apierrors.IsForbidden(err) && isAdmissionDenial(err):
		// HNC's webhook answers Forbidden for rules of the hierarchy, not for RBAC.
		return refused(apiMessage(err), err)
	case apierrors.IsForbidden(err):
		fe := c.Explain(err, verb, SubnamespaceAnchorsResource, parent, "")
		return refused(fmt.Sprintf("you have no rights to make subnamespaces in %q: %v", parent, fe), fe)
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err), apierrors.IsConflict(err), apierrors.IsAlreadyExists(err):
		return refused(apiMessage(err), err)
	}
	return c.Explain(err, verb, SubnamespaceAnchorsResource, parent, child)
}

// hncMissing says, for a Forbidden or NotFound answer, whether the SubnamespaceAnchor API
// is absent. RBAC answers before the API server looks for the resource, so a user without
// rights on the group is told Forbidden even where HNC is not installed; discovery, which
// every user may read, tells the two apart.
func hncMissing(ctx context.Context, c *argocdmanaged.Clients, err error) bool {
	if c.Discovery == nil || !(apierrors.IsForbidden(err) || apierrors.IsNotFound(err)) {
		return false
	}
	list, derr := discovery.ToDiscoveryInterfaceWithContext(c.Discovery).ServerResourcesForGroupVersionWithContext(ctx, HNCGroup+"/"+HNCVersion)
	if derr != nil {
		return apierrors.IsNotFound(derr)
	}
	for _, r := range list.APIResources {
		if r.Name == SubnamespaceAnchorsResource.Resource {
			return false
		}
	}
	return true
}

func isAdmissionDenial(err error) bool {
	return strings.Contains(apiMessage(err), "admission webhook")
}

// apiMessage is the API server's message of err, without the client's wrapping.
func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}
