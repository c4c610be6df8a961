package argocdmanaged

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// responseHeaderTimeout bounds the wait for an API server to start answering a request,
// when the REST config sets no Timeout of its own (kubectl's --request-timeout). A server
// that accepts the connection and never answers would otherwise hold every command until
// the user gives up. Only the wait for the response headers is bounded, so watches and long
// lists that have started answering are not cut.
const responseHeaderTimeout = 30 * time.Second

// headerTimeout is a RoundTripper that fails a request whose response headers do not
// arrive within after.
type headerTimeout struct {
	next  http.RoundTripper
	after time.Duration
}

// HeaderTimeoutError is a request the server accepted but did not answer in time.
type HeaderTimeoutError struct {
	After time.Duration
}

func (e *HeaderTimeoutError) Error() string {
	return fmt.Sprintf("no answer within %s", e.After)
}

// Timeout makes the error a net.Error timeout, as a dial timeout is.
func (e *HeaderTimeoutError) Timeout() bool { return true }

// Temporary is part of net.Error.
func (e *HeaderTimeoutError) Temporary() bool { return true }

func (h *headerTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(h.after, func() { cancel(&HeaderTimeoutError{After: h.after}) })
	resp, err := h.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() {
		// The timer fired: whatever the transport returned, the cause is the silence.
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		cancel(nil)
		return nil, context.Cause(ctx)
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	// The request's context must live as long as its body is read; it is released when
	// the body is closed.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	once   sync.Once
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.once.Do(c.cancel)
	return err
}

// Reach asks the API server for its version, to find out before anything else whether the
// cluster answers: a command that judges the cluster must not give a verdict about one it
// did not reach. The error is a *ConnectionError or *UnauthorizedError when it is that.
func (c *Clients) Reach(ctx context.Context) error {
	if _, err := discovery.ToServerVersionInterfaceWithContext(c.Discovery).ServerVersionWithContext(ctx); err != nil {
		return c.Explain(err, "get", schema.GroupVersionResource{Resource: "version"}, "", "")
	}
	return nil
}

// WrappedRoundTripper lets client-go reach the transport beneath, to cancel a request when
// --request-timeout ends it (it logs a warning for a wrapper it cannot see through).
func (h *headerTimeout) WrappedRoundTripper() http.RoundTripper { return h.next }
