package golive_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/golive"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

func TestEvidenceSaysWhatTheFailingWorkloadsDo(t *testing.T) {
	cl := offline(t)
	tests := []struct {
		id       string
		status   golive.Status
		evidence string
	}{
		{"rolling-update", golive.StatusFail, "Deployments: 1 of 2 use strategy Recreate"},
		{"replicas", golive.StatusFail, "Deployments and StatefulSets: 1 of 3 run fewer than 2 replicas"},
		{"pdb", golive.StatusFail, "workloads: 2 of 3 have no PodDisruptionBudget"},
		// Not a failure: whether zones matter depends on the environment.
		{"zones", golive.StatusNeedsHuman, "workloads: 2 of 3 do not spread over zones"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			it := item(t, cl, tt.id)
			assert.Equal(t, tt.status, it.Status)
			assert.Equal(t, tt.evidence, it.Evidence)
		})
	}
	for _, it := range cl.Items {
		if it.Status != golive.StatusFail {
			assert.NotContains(t, it.Evidence, "fail", "item %s is %s, its evidence must not say it fails", it.ID, it.Status)
		}
	}
}

func TestTheChecklistCountsTheFilesItRead(t *testing.T) {
	cl := offline(t)
	assert.Equal(t, 2, cl.Read.Files)
	assert.Equal(t, cl.Read.Files, cl.Report.Summary.Files)
	assert.Positive(t, cl.Read.Objects)
	assert.Equal(t, cl.Read.Objects, cl.Report.Summary.Objects)
	assert.Empty(t, cl.Read.LiveNamespaces)
}

func TestALiveChecklistCountsWhatItReadOfTheCluster(t *testing.T) {
	testenv.Require(t, env)
	c, err := argocdmanaged.NewClientsForConfig(env.Developer)
	require.NoError(t, err)
	cl, err := golive.Run(context.Background(), golive.Inputs{Live: c}, golive.Options{Profile: env.Profile})
	require.NoError(t, err)
	assert.Equal(t, env.Profile.Namespaces.Managed, cl.Read.LiveNamespaces)
	assert.Zero(t, cl.Read.Files)
	assert.Equal(t, cl.Read.LiveObjects, cl.Report.Summary.Objects)
	for _, it := range cl.Items {
		assert.False(t, strings.Contains(it.Evidence, "fail") && it.Status != golive.StatusFail, "%s: %s", it.ID, it.Evidence)
	}
}
