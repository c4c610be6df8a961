package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// A FIFO given where a file is expected blocks the reader until a writer comes, which may
// be never. Every command form that reads a file the user names must refuse it at once,
// with exit 2 and a line that says what the path is. (secrets scan skips it instead, as git
// stores no FIFO content: it is tested in secrets/scan.)
func TestEveryCommandFormRefusesAFIFOInsteadOfHanging(t *testing.T) {
	forms := [][]string{
		{"policy", "check", "FIFO"},
		{"golive", "FIFO"},
		{"appset", "generate", "FIFO"},
		{"render", "FIFO", "--repo-root", ".", "--repo-url", "https://example.com/r.git"},
		{"--profile", "FIFO", "profile", "show"},
		{"backup", "verify", "daily", "--from", "file:///nonexistent", "--identity", "FIFO"},
		{"secrets", "encrypt", "FIFO"},
		{"secrets", "encrypt", "--in-place", "FIFO"},
		{"secrets", "decrypt", "FIFO"},
		{"secrets", "status", "FIFO"},
		{"secrets", "rotate", "FIFO"},
		{"secrets", "updatekeys", "FIFO"},
		{"secrets", "edit", "FIFO"},
		{"secrets", "seal", "-f", "FIFO", "--cert", "FIFO"},
		{"secrets", "key-secret", "--private-key", "FIFO", "-o", "yaml"},
		{"secrets", "wire", "FIFO", "--values-file", "secrets.yaml"},
		{"notify", "lint", "FIFO"},
		{"notify", "lint", "--config-map", "FIFO", "--secret", "FIFO"},
		{"notify", "subscribe", "shop", "-f", "FIFO", "--trigger", "on-deployed", "--service", "email", "--recipient", "a@example.com"},
	}
	for _, form := range forms {
		t.Run(strings.Join(form, " "), func(t *testing.T) {
			dir := t.TempDir()
			fifo := fixture.FIFO(t, dir, "input.yaml")
			args := make([]string, len(form))
			for i, a := range form {
				args[i] = strings.ReplaceAll(a, "FIFO", fifo)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, plugin, args...)
			cmd.Dir = dir
			// No cluster: a form that needs one fails later, never on the FIFO.
			cmd.Env = append(os.Environ(), "HOME="+dir, "KUBECONFIG="+filepath.Join(dir, "none"), "EDITOR=true")
			out, err := cmd.CombinedOutput()
			require.NoError(t, ctx.Err(), "hung on the FIFO: %s", out)
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%s", out)
			assert.Equal(t, 2, ee.ExitCode(), "%s", out)
			assert.Contains(t, string(out), "named pipe", fmt.Sprintf("says what %s is", fifo))
		})
	}
}
