package argocdmanaged_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

func TestExplainForbiddenNamesThePermissionToRequest(t *testing.T) {
	testenv.Require(t, env)
	c := clientsFor(t, env.Developer)

	_, err := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace("velero").List(context.Background(), metav1.ListOptions{})
	err = c.Explain(err, "list", argocdmanaged.ApplicationsResource, "velero", "")

	var fe *argocdmanaged.ForbiddenError
	require.True(t, errors.As(err, &fe), "got %v", err)
	assert.Equal(t, "forbidden: you may not list applications.argoproj.io in namespace velero; ask the Platform Administrator for the right to list applications.argoproj.io in namespace velero", err.Error())
}

func TestExplainMissingArgoCDAPI(t *testing.T) {
	testenv.Require(t, env)
	c := clientsFor(t, env.Admin)
	rollouts := argocdmanaged.GroupVersion.WithResource("rollouts")

	_, err := c.Dynamic.Resource(rollouts).Namespace("argocd-system").List(context.Background(), metav1.ListOptions{})
	err = c.Explain(err, "list", rollouts, "argocd-system", "")
	assert.ErrorIs(t, err, argocdmanaged.ErrArgoCDNotInstalled)
}

func TestExplainUnreachableServerNamesServerAndContext(t *testing.T) {
	addr := fixture.ClosedPort(t)

	c := clientsFor(t, &rest.Config{Host: "https://" + addr})
	c.Context = "prod"
	_, err := c.Kube.CoreV1().Secrets("argocd-system").List(context.Background(), metav1.ListOptions{})
	err = c.Explain(err, "list", argocdmanaged.ApplicationsResource, "argocd-system", "")

	var ce *argocdmanaged.ConnectionError
	require.True(t, errors.As(err, &ce), "got %v", err)
	assert.Equal(t, "cannot reach the Kubernetes API server at https://"+addr+` (kubeconfig context "prod"): connection refused; check that the cluster is up and that your kubeconfig points at it`, err.Error())
}
