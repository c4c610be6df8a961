// Package livetest checks policy.Check's --live mode against a real kube-apiserver with the
// Argo CD CRDs (internal/testenv). It lives apart from package policy so that the policy
// fuzz target does not start a control plane.
package livetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

func TestLiveChecksTheClusterApplicationsWithTheDevelopersRights(t *testing.T) {
	testenv.Require(t, env)
	name := fmt.Sprintf("live-%d", time.Now().UnixNano()%1000000)
	env.CreateApplication(t, name, map[string]any{
		"project": "default",
		"source":  map[string]any{"repoURL": "https://git.example.com/team/deploy.git", "path": "apps/shop"},
		"destination": map[string]any{
			"server": env.Profile.ArgoCD.Server, "namespace": "kube-system",
		},
		"syncPolicy": map[string]any{"syncOptions": []any{"CreateNamespace=true"}},
	})
	clients, err := argocdmanaged.NewClientsForConfig(env.Developer)
	require.NoError(t, err)
	opts := policy.DefaultOptions()
	opts.Profile = env.Profile
	opts.Rules = rules.Builtin()
	opts.NoRender = true
	rep, err := policy.Check(context.Background(), policy.Inputs{Live: clients}, opts)
	require.NoError(t, err)

	got := map[string]policy.Finding{}
	for _, f := range rep.Findings {
		if f.Object.Name == name {
			got[f.Rule] = f
		}
	}
	for _, rule := range []string{"no-create-namespace", "no-platform-namespace", "default-project"} {
		require.Contains(t, got, rule)
		assert.Equal(t, "cluster/"+env.Profile.ArgoCD.Namespace+"/applications/"+name, got[rule].File)
	}
	assert.Positive(t, rep.Summary.Objects)
}

func TestLiveWithoutRightsNamesThePermissionToAskFor(t *testing.T) {
	testenv.Require(t, env)
	clients, err := argocdmanaged.NewClientsForConfig(env.Developer)
	require.NoError(t, err)
	opts := policy.DefaultOptions()
	opts.Profile = env.Profile
	// The developer has no rights in a platform namespace.
	opts.Profile.ArgoCD.Namespace = "kube-system"
	opts.Rules = rules.Builtin()
	_, err = policy.Check(context.Background(), policy.Inputs{Live: clients}, opts)
	var fe *argocdmanaged.ForbiddenError
	require.True(t, errors.As(err, &fe), "want a ForbiddenError, got %v", err)
	assert.Contains(t, err.Error(), "kube-system")
}
