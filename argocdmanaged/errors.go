package argocdmanaged

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ErrArgoCDNotInstalled means the argoproj.io API is missing from the cluster, or hidden
// from the user.
var ErrArgoCDNotInstalled = errors.New("the argoproj.io API was not found: Argo CD is not installed or not visible to you; check the kubeconfig context, or ask the Platform Administrator whether managed Argo CD is enabled")

// ForbiddenError is an API request the user's identity may not make. Its message names the
// right to ask the Platform Administrator for.
type ForbiddenError struct {
	Verb      string
	Resource  string // plural resource, with its group when not core: "applications.argoproj.io"
	Namespace string // empty for a cluster-scoped request
	Name      string
	Err       error
}

func (e *ForbiddenError) Error() string {
	where := "cluster-wide"
	if e.Namespace != "" {
		where = "in namespace " + e.Namespace
	}
	what := e.Resource
	if e.Name != "" {
		what = fmt.Sprintf("%s %q", e.Resource, e.Name)
	}
	return fmt.Sprintf("forbidden: you may not %s %s %s; ask the Platform Administrator for the right to %s %s %s",
		e.Verb, what, where, e.Verb, e.Resource, where)
}

func (e *ForbiddenError) Unwrap() error { return e.Err }

// ConnectionError is an API server that could not be reached.
type ConnectionError struct {
	Server  string
	Context string
	Err     error
}

func (e *ConnectionError) Error() string {
	ctx := ""
	if e.Context != "" {
		ctx = fmt.Sprintf(" (kubeconfig context %q)", e.Context)
	}
	cause := RootCause(e.Err)
	if errors.Is(e.Err, context.DeadlineExceeded) {
		cause = "no answer before the request timeout"
	}
	return fmt.Sprintf("cannot reach the Kubernetes API server at %s%s: %s; check that the cluster is up and that your kubeconfig points at it",
		e.Server, ctx, cause)
}

func (e *ConnectionError) Unwrap() error { return e.Err }

// UnauthorizedError is an API server that did not accept the user's credentials.
type UnauthorizedError struct {
	Server  string
	Context string
	Err     error
}

func (e *UnauthorizedError) Error() string {
	return fmt.Sprintf("the API server at %s did not accept your credentials (kubeconfig context %q); log in again, for example by refreshing your OIDC token", e.Server, e.Context)
}

func (e *UnauthorizedError) Unwrap() error { return e.Err }

// Explain turns an error from an API request into one a user can act on: a Forbidden names
// the right to request, a missing Argo CD API says so, an unreachable server names the
// server and context. Other errors are returned as they are. verb and gvr describe the
// request; name may be empty.
func (c *Clients) Explain(err error, verb string, gvr schema.GroupVersionResource, namespace, name string) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.As(err, new(*ForbiddenError)), errors.As(err, new(*ConnectionError)), errors.As(err, new(*UnauthorizedError)), errors.Is(err, ErrArgoCDNotInstalled):
		return err
	case apierrors.IsForbidden(err):
		return &ForbiddenError{Verb: verb, Resource: resourceName(gvr), Namespace: namespace, Name: name, Err: err}
	case apierrors.IsUnauthorized(err):
		return &UnauthorizedError{Server: c.server(), Context: c.Context, Err: err}
	case gvr.Group == Group && (meta.IsNoMatchError(err) || IsMissingResourceType(err, name)):
		return fmt.Errorf("%w (%s)", ErrArgoCDNotInstalled, RootCause(err))
	case isConnectionProblem(err):
		return &ConnectionError{Server: c.server(), Context: c.Context, Err: err}
	}
	return err
}

// IsMissingResourceType tells a 404 for the resource type (the API is not served) from a
// 404 for the object name: the server answers the former without details, or for a list.
func IsMissingResourceType(err error, name string) bool {
	if !apierrors.IsNotFound(err) {
		return false
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return name == "" || d == nil || d.Name == ""
}

func isConnectionProblem(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe)
}

func resourceName(gvr schema.GroupVersionResource) string {
	if gvr.Group == "" {
		return gvr.Resource
	}
	return gvr.Resource + "." + gvr.Group
}

func (c *Clients) server() string {
	if c.Config != nil {
		return c.Config.Host
	}
	return "(unknown server)"
}

// RootCause is the innermost error's message, which for network errors is the part a user
// can act on ("connection refused") without the request URL noise around it.
func RootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			msg := err.Error()
			if i := strings.LastIndex(msg, ": "); i >= 0 && isConnectionProblem(err) {
				return msg[i+2:]
			}
			return msg
		}
		err = next
	}
}
