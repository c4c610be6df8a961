package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// Fails before the fix: every form below opened the FIFO for reading and waited for a writer
// that never came.
func TestSecretsCommands_refuseAFIFOAtOnce(t *testing.T) {
	repo := newSopsRepo(t)
	fifo := fixture.FIFO(t, t.TempDir(), "secrets.yaml")
	forms := [][]string{
		{"encrypt", fifo},
		{"encrypt", "--in-place", fifo},
		{"decrypt", fifo, "--identity", repo.keyFile},
		{"decrypt", repo.values, "--identity", fifo},
		{"encrypt", repo.values, "--public-key", fifo},
		{"edit", fifo, "--identity", repo.keyFile},
		{"rotate", fifo, "--identity", repo.keyFile},
		{"updatekeys", fifo, "--identity", repo.keyFile},
		{"status", fifo},
		{"wire", fifo, "--values-file", "secrets.yaml"},
		{"key-secret", "--private-key", fifo, "-o", "yaml"},
		{"seal", "-f", fifo, "--cert", fifo},
		{"seal", "--name", "db", "--from-file", "password=" + fifo, "--cert", fifo},
		{"seal", "--raw", "--name", "db", "--from-file", fifo, "--cert", fifo},
	}
	for _, args := range forms {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := fixture.Within(t, 10*time.Second, "the command on the FIFO", func() cmdResult {
				return runSopsCmd(t, append([]string{"secrets"}, args...)...)
			})
			assert.Equal(t, ExitError, r.code, r.all())
			assert.Contains(t, r.msg, "named pipe")
			assert.NotContains(t, r.msg, "\n")
		})
	}
}

// Fails before the fix: there was no limit, and a 200 MB input took minutes and gigabytes.
func TestSecretsCommands_refuseAFileOverTheSizeLimitSayingHowToRaiseIt(t *testing.T) {
	repo := newSopsRepo(t)
	big := filepath.Join(filepath.Dir(repo.values), "secrets.big.yaml")
	var b strings.Builder
	for i := range 500 {
		fmt.Fprintf(&b, "key%04d: v\n", i)
	}
	require.NoError(t, os.WriteFile(big, []byte(b.String()), 0o644))
	for _, args := range [][]string{
		{"encrypt", "--max-file-size", "1Ki", big},
		{"encrypt", "--in-place", "--max-file-size", "1Ki", big},
		{"seal", "-f", big, "--max-file-size", "1Ki", "--cert", big},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			before, err := os.ReadFile(big)
			require.NoError(t, err)
			r := runSopsCmd(t, append([]string{"secrets"}, args...)...)
			assert.Equal(t, ExitError, r.code, r.all())
			assert.Equal(t, big+" is 5.4 KiB, over the limit of 1.0 KiB: pass --max-file-size with a larger size if the file is meant to be this big", r.msg)
			after, err := os.ReadFile(big)
			require.NoError(t, err)
			assert.Equal(t, before, after)
		})
	}
	r := runSopsCmd(t, "secrets", "encrypt", "--max-file-size", "big", big)
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.msg, `--max-file-size "big"`)

	r = runSopsCmd(t, "secrets", "encrypt", "--max-file-size", "8Ki", big)
	assert.Equal(t, 0, r.code, "a raised limit lets the file through: %s", r.all())
}
