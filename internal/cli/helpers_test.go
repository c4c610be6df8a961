package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// cmdResult is how one in-process run of the command tree ended: the exit code and error
// line main would give, and what the command wrote.
type cmdResult struct {
	code                int
	msg, stdout, stderr string
}

// all is everything the command printed, for checking that no secret value leaked.
func (r cmdResult) all() string { return r.msg + "\n" + r.stdout + "\n" + r.stderr }

// execute runs the command tree in-process, as main would, with stdin and exactly these
// arguments, until ctx ends.
func execute(ctx context.Context, stdin string, args ...string) cmdResult {
	streams, in, out, errOut := genericiooptions.NewTestIOStreams()
	in.WriteString(stdin)
	cmd := NewRootCmd(streams)
	cmd.SetArgs(args)
	code, msg := ExitCode(cmd.ExecuteContext(ctx))
	return cmdResult{code: code, msg: msg, stdout: out.String(), stderr: errOut.String()}
}

// profileFile writes p into a directory of the test's own and returns the file's path, for
// --profile.
func profileFile(t *testing.T, p argocdmanaged.Profile) string {
	t.Helper()
	data, err := argocdmanaged.MarshalProfile(p)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "profile.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// executeWithinAMinute is execute bounded by a minute, so that a command that hangs fails
// its test instead of the package's timeout.
func executeWithinAMinute(stdin string, args ...string) cmdResult {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return execute(ctx, stdin, args...)
}
