package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

// TestExportsToAnS3CompatibleServer builds the example, runs it against the test control
// plane and versitygw, and reads the backup back from the bucket.
func TestExportsToAnS3CompatibleServer(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	s3 := testenv.StartS3(t)

	// Something to back up.
	env.CreateApplication(t, "example-shop", map[string]any{
		"project": "default", "source": map[string]any{"repoURL": "https://git.example.com/shop.git", "path": "."},
		"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
	})

	exe := fixture.Build(t, ".", "backup-to-s3")

	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	url := s3.URL("")
	cmd := exec.Command(exe, "-to", url, "-encrypt-to", id.Recipient().String())
	cmd.Env = append(append(os.Environ(), "KUBECONFIG="+env.AdminKubeconfig), s3.Env()...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	var res struct {
		Name      string
		Objects   int
		Encrypted bool
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	assert.True(t, res.Encrypted)
	assert.GreaterOrEqual(t, res.Objects, 1)

	s3.SetEnv(t)
	st, err := store.Open(ctx, url)
	require.NoError(t, err)
	defer st.Close()
	info, err := st.Stat(ctx, res.Name)
	require.NoError(t, err)
	assert.Equal(t, 1, info.Manifest.Counts["Application"])
}
