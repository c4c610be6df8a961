package argocdmanaged

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderTimeoutFailsARequestTheServerNeverAnswers(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	rt := &headerTimeout{next: http.DefaultTransport, after: 200 * time.Millisecond}
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = rt.RoundTrip(req)
	var hte *HeaderTimeoutError
	require.ErrorAs(t, err, &hte)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, "no answer within 200ms", err.Error())
}

func TestHeaderTimeoutLeavesAStreamThatHasStartedAlone(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		time.Sleep(600 * time.Millisecond) // a watch that answers slowly after its headers
		_, _ = io.WriteString(w, "event")
	}))
	defer srv.Close()
	rt := &headerTimeout{next: http.DefaultTransport, after: 200 * time.Millisecond}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, "event", string(body))
}
