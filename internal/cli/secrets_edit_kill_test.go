package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/editspace"
)

// editChildEnv carries the command line of TestSecretsEdit_childProcess, separated by
// the unit separator (an environment variable cannot hold NUL).
const editChildEnv = "CK8SARGO_TEST_EDIT_CHILD"

// TestSecretsEdit_childProcess is the plugin run as a process of its own, for the kill test
// below; by itself it does nothing.
func TestSecretsEdit_childProcess(t *testing.T) {
	args := os.Getenv(editChildEnv)
	if args == "" {
		t.Skip("the child process of TestSecretsEdit_aKilledRunsPlaintextIsRemovedByTheNextRun")
	}
	r := runSopsCmd(t, strings.Split(args, "\x1f")...)
	os.Exit(r.code)
}

func TestSecretsEdit_aKilledRunsPlaintextIsRemovedByTheNextRun(t *testing.T) {
	repo, before := encryptedSopsRepo(t)

	// The editor says it has the file open, then waits to be killed with the plugin.
	scripts := t.TempDir()
	opened := filepath.Join(scripts, "opened")
	editor := filepath.Join(scripts, "slow-editor")
	require.NoError(t, os.WriteFile(editor, []byte("#!/bin/sh\necho \"$1\" > "+opened+"\nexec sleep 60\n"), 0o755))

	child := exec.Command(os.Args[0], "-test.run=^TestSecretsEdit_childProcess$", "-test.short")
	child.Env = append(os.Environ(), "EDITOR="+editor,
		editChildEnv+"="+strings.Join([]string{"secrets", "edit", repo.values, "--identity", repo.keyFile}, "\x1f"))
	child.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the editor dies with it
	require.NoError(t, child.Start())
	var plaintextFile string
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(opened)
		plaintextFile = strings.TrimSpace(string(b))
		return err == nil && plaintextFile != ""
	}, 60*time.Second, 20*time.Millisecond, "the editor was started")
	require.NoError(t, syscall.Kill(-child.Process.Pid, syscall.SIGKILL))
	_ = child.Wait() // reaped: the PID is gone

	leftover := filepath.Dir(plaintextFile)
	assert.True(t, strings.HasPrefix(filepath.Base(leftover), editspace.Prefix+strconv.Itoa(child.Process.Pid)+"-"), leftover)
	plain, err := os.ReadFile(plaintextFile)
	require.NoError(t, err, "SIGKILL leaves the plaintext: nothing can run on it")
	require.Contains(t, string(plain), sopsPlantedPassword)
	if dirs := editspace.DefaultDirs(); len(dirs) > 1 {
		assert.Equal(t, dirs[0], filepath.Dir(leftover), "on memory-backed storage where the system has it")
	}

	t.Setenv("EDITOR", "true")
	r := runSopsCmd(t, "secrets", "edit", repo.values, "--identity", repo.keyFile)
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stderr, "warning: removed plaintext left by an interrupted `secrets edit` (process "+strconv.Itoa(child.Process.Pid)+" is gone): "+leftover)
	assert.NoDirExists(t, leftover)
	assert.NotContains(t, r.all(), sopsPlantedPassword)
	after, err := os.ReadFile(repo.values)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the killed run wrote nothing")
}
