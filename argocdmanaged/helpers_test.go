package argocdmanaged_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// clientsFor are the clients of cfg; a config they cannot be made from fails the test.
func clientsFor(t *testing.T, cfg *rest.Config) *argocdmanaged.Clients {
	t.Helper()
	c, err := argocdmanaged.NewClientsForConfig(cfg)
	require.NoError(t, err)
	return c
}

// discover is what Discover finds on the default profile with the clients of cfg; an
// error fails the test (what cfg's user may not see is a warning, not an error).
func discover(t *testing.T, cfg *rest.Config) *argocdmanaged.Discovery {
	t.Helper()
	d, err := argocdmanaged.Discover(context.Background(), clientsFor(t, cfg), argocdmanaged.DefaultProfile())
	require.NoError(t, err)
	return d
}
