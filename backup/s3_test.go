package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// startS3 runs versitygw, an S3-compatible server built by tools/versitygw/build.sh, on a
// free loopback port with a bucket "backups", sets the AWS credentials in the environment
// and returns the store URL.
func startS3(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the versitygw binary; run without -short")
	}
	bin := filepath.Join(testenv.BinDir(), "versitygw")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("versitygw not found in %s: run `make test-bin`", testenv.BinDir())
	}
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, "backups"), 0o700))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	const access, secret = "AKIACK8SARGOTEST", "ck8sargo-test-secret-key"
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--port", addr, "--access", access, "--secret", secret, "--quiet", "posix", root)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	return fmt.Sprintf("s3://backups?endpoint=http://%s&use_path_style=true&region=us-east-1&disable_https=true&prefix=team/", addr)
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
