package namespaces

import (
	"context"
	"fmt"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NamespaceReadiness is how far a new namespace is from being usable by Argo CD: it must
// exist, and it must be listed in the namespaces field of Argo CD's cluster Secret.
type NamespaceReadiness struct {
	Namespace string `json:"namespace"`
	// Parent is the parent whose anchor was read; empty when none was given.
	Parent string `json:"parent,omitempty"`
	// AnchorState is the anchor's status as HNC writes it; empty when not read or not set.
	AnchorState string `json:"anchorState,omitempty"`
	Exists      bool   `json:"exists"`
	Managed     bool   `json:"managed"`
	// ClusterSecret is the Argo CD cluster Secret that was read ("namespace/name"); empty
	// when none was found.
	ClusterSecret string `json:"clusterSecret,omitempty"`
	// Waited is the time since the wait started.
	Waited time.Duration `json:"waited"`
}

// Ready says whether Argo CD can deploy into the namespace now.
func (r NamespaceReadiness) Ready() bool { return r.Exists && r.Managed }

// Missing says, one sentence per condition, what is still missing; empty when ready.
func (r NamespaceReadiness) Missing() []string {
	var out []string
	if !r.Exists {
		s := fmt.Sprintf("namespace %q does not exist yet (HNC creates it from the anchor", r.Namespace)
		if r.Parent != "" {
			s += fmt.Sprintf(" in %q", r.Parent)
			if r.AnchorState != "" {
				s += fmt.Sprintf(", whose state is %s", r.AnchorState)
			}
		}
		out = append(out, s+")")
	}
	if !r.Managed {
		if r.ClusterSecret == "" {
			out = append(out, fmt.Sprintf("namespace %q is not managed by Argo CD: no Argo CD cluster Secret for the in-cluster destination was found", r.Namespace))
		} else {
			out = append(out, fmt.Sprintf("namespace %q is not yet in the namespaces of Argo CD's cluster Secret %s (a platform job adds new namespaces about every minute)", r.Namespace, r.ClusterSecret))
		}
	}
	return out
}

// WaitTimeoutError is a wait that ran out of time; Last says what was still missing.
type WaitTimeoutError struct {
	Timeout time.Duration
	Last    NamespaceReadiness
}

func (e *WaitTimeoutError) Error() string {
	return fmt.Sprintf("namespace %q not ready after %s: %s", e.Last.Namespace, e.Timeout, strings.Join(e.Last.Missing(), "; "))
}

// WaitOptions tune WaitForNamespace.
type WaitOptions struct {
	// Parent, when set, is the namespace holding the anchor: its state is read too, and a
	// refusal by HNC (Conflict, Forbidden) ends the wait at once.
	Parent string
	// Timeout bounds the wait; zero means only ctx bounds it.
	Timeout time.Duration
	// Interval is the time between checks; zero means DefaultWaitInterval.
	Interval time.Duration
	// Progress, when set, is called after every check, so that a caller can show what is
	// still missing and how long it has waited.
	Progress func(NamespaceReadiness)
}

// DefaultWaitInterval is the time between two checks of a wait. The platform job runs
// about every minute, so checking more often than this buys nothing.
const DefaultWaitInterval = 2 * time.Second

// CheckNamespace looks once at whether namespace name exists and is managed by Argo CD. A
// namespaceExists says whether namespace name exists. A developer's rights in a
// subnamespace come from HNC copying the parent's RoleBindings once the namespace exists;
// until then the namespace cannot be read, and HNC's anchor state (anchorOk: the anchor is
// Ok) is what tells.
func namespaceExists(ctx context.Context, c *argocdmanaged.Clients, name string, anchorOk bool) (bool, error) {
	_, err := c.Kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	case apierrors.IsForbidden(err):
		return anchorOk, nil
	}
	return false, c.Explain(err, "get", argocdmanaged.NamespacesResource, "", name)
}

// parent, when given, has its anchor read too.
func CheckNamespace(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile, parent, name string) (NamespaceReadiness, error) {
	r := NamespaceReadiness{Namespace: name, Parent: parent}
	if parent != "" {
		sub, err := GetSubnamespace(ctx, c, parent, name)
		if err != nil {
			return r, err
		}
		r.AnchorState = sub.State
		if sub.State == AnchorStateConflict || sub.State == AnchorStateForbidden {
			return r, &AnchorRefusedError{Parent: parent, Child: name, Reason: anchorStateReason(sub.State, parent, name)}
		}
	}
	exists, err := namespaceExists(ctx, c, name, r.AnchorState == AnchorStateOk)
	if err != nil {
		return r, err
	}
	r.Exists = exists
	s, managed, err := argocdmanaged.ClusterSecret(ctx, c, &p)
	if err != nil {
		return r, fmt.Errorf("checking whether Argo CD manages namespace %q: %w", name, err)
	}
	if s != nil {
		r.ClusterSecret = s.Namespace + "/" + s.Name
		for _, m := range managed {
			r.Managed = r.Managed || m == name
		}
	}
	return r, nil
}

func anchorStateReason(state, parent, child string) string {
	if state == AnchorStateConflict {
		return fmt.Sprintf("HNC reports Conflict: a namespace %q already exists and is not a subnamespace of %q; choose another name", child, parent)
	}
	return fmt.Sprintf("HNC reports Forbidden: %q may not have subnamespaces; ask the Platform Administrator which namespace to use as parent", parent)
}

// WaitForNamespace checks namespace name until it exists and is listed as managed by
// Argo CD, and returns as soon as both are true. It ends with a *WaitTimeoutError when
// o.Timeout passes, with an *AnchorRefusedError when HNC refuses the anchor, and with the
// first error reading the cluster (a *ForbiddenError names the missing right: waiting
// cannot make it appear).
func WaitForNamespace(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile, name string, o WaitOptions) (NamespaceReadiness, error) {
	interval := o.Interval
	if interval <= 0 {
		interval = DefaultWaitInterval
	}
	start := time.Now()
	waitCtx := ctx
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	last := NamespaceReadiness{Namespace: name, Parent: o.Parent}
	for {
		r, err := check(ctx, waitCtx, func(ctx context.Context) (NamespaceReadiness, error) {
			return CheckNamespace(ctx, c, p, o.Parent, name)
		})
		r.Waited = time.Since(start)
		if err != nil {
			if waitCtx.Err() != nil && ctx.Err() == nil {
				// The deadline cut a request short: that is the timeout, not an API error.
				return last, &WaitTimeoutError{Timeout: o.Timeout, Last: withWaited(last, r.Waited)}
			}
			return r, err
		}
		last = r
		if o.Progress != nil {
			o.Progress(r)
		}
		if r.Ready() {
			return r, nil
		}
		select {
		case <-waitCtx.Done():
			if ctx.Err() != nil {
				return last, ctx.Err()
			}
			return last, &WaitTimeoutError{Timeout: o.Timeout, Last: withWaited(last, time.Since(start))}
		case <-tick.C:
		}
	}
}

// checkGrace is how long a check that started before the wait's deadline may run past it.
// Requests get it so that one started just before the deadline is not failed by the
// client's rate limiter for lack of time, and ends as a timeout rather than an API error.
const checkGrace = 5 * time.Second

// check runs one check under ctx, bounded by waitCtx's deadline plus checkGrace.
func check(ctx, waitCtx context.Context, fn func(context.Context) (NamespaceReadiness, error)) (NamespaceReadiness, error) {
	if deadline, ok := waitCtx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(checkGrace))
		defer cancel()
	}
	return fn(ctx)
}

func withWaited(r NamespaceReadiness, d time.Duration) NamespaceReadiness {
	r.Waited = d
	return r
}
