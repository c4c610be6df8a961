package backup_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// startS3 starts an S3-compatible server (testenv.StartS3), sets its credentials in the
// environment and returns the store URL of its bucket under the prefix team/.
func startS3(t *testing.T) string {
	t.Helper()
	s3 := testenv.StartS3(t)
	s3.SetEnv(t)
	return s3.URL("prefix=team/")
}

func TestRoundTripThroughAnS3CompatibleServer(t *testing.T) {
	testenv.Require(t, env)
	url := startS3(t)
	st, err := store.Open(context.Background(), url)
	require.NoError(t, err)
	defer st.Close()
	roundTrip(t, st, sizes{apps: 200, projects: 20, appsets: 10, repos: 10})

	list, err := st.List(context.Background())
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

func TestAnAbortedS3UploadIsNeverListed(t *testing.T) {
	url := startS3(t)
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	require.NoError(t, err)
	defer st.Close()
	up, err := st.Create(ctx, "argocd-backup-aborted")
	require.NoError(t, err)
	_, err = up.Write(bytes.Repeat([]byte("x"), 6<<20)) // past one multipart part
	require.NoError(t, err)
	up.Abort()
	list, err := st.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = st.Stat(ctx, "argocd-backup-aborted")
	assert.ErrorIs(t, err, store.ErrNotFound)
}
