package testenv

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// S3 is a running S3-compatible server on the loopback with one empty bucket, for the
// backup store's s3:// URLs.
type S3 struct {
	// Addr is the server's host:port.
	Addr string
	// AccessKey and SecretKey are the credentials it accepts.
	AccessKey, SecretKey string
	// Bucket is the bucket's name.
	Bucket string
}

// StartS3 runs versitygw, built by tools/versitygw/build.sh into BinDir, on a free loopback
// port with the bucket "backups", and stops it when the test ends. Under -short it skips the
// test; without the binary it fails it with the command that builds it.
func StartS3(t testing.TB) S3 {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the versitygw binary; run without -short")
	}
	bin := filepath.Join(BinDir(), "versitygw")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("versitygw not found in %s: run `make test-bin`", BinDir())
	}
	s := S3{AccessKey: "AKIACK8SARGOTEST", SecretKey: "ck8sargo-test-secret-key", Bucket: "backups"}
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, s.Bucket), 0o700))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.Addr = l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--port", s.Addr, "--access", s.AccessKey, "--secret", s.SecretKey, "--quiet", "posix", root)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + s.Addr + "/")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// URL is the backup store URL of the bucket; query, when not empty, is added to the URL's
// query (as "prefix=team/").
func (s S3) URL(query string) string {
	u := fmt.Sprintf("s3://%s?endpoint=http://%s&use_path_style=true&region=us-east-1&disable_https=true", s.Bucket, s.Addr)
	if query != "" {
		u += "&" + query
	}
	return u
}

// Env is the environment, as NAME=value, that gives the server's credentials to a client.
func (s S3) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey}
}

// SetEnv sets the server's credentials in the test's environment, for the clients the test
// itself opens.
func (s S3) SetEnv(t testing.TB) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", s.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.SecretKey)
}
