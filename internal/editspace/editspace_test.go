package editspace_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/editspace"
)

// deadPID is the PID of a process that ran and was reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	c := exec.Command("true")
	require.NoError(t, c.Run())
	return c.Process.Pid
}

func TestNewMakesAPrivateDirectoryNamedForThisProcess(t *testing.T) {
	root := t.TempDir()
	s, err := editspace.New([]string{filepath.Join(root, "missing"), root})
	require.NoError(t, err, "the first directory that works is taken")
	assert.Equal(t, root, filepath.Dir(s.Dir))
	assert.Regexp(t, `^ck8sargo-edit-`+strconv.Itoa(os.Getpid())+`-\d+$`, filepath.Base(s.Dir))
	fi, err := os.Stat(s.Dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	require.NoError(t, s.Remove())
	assert.NoDirExists(t, s.Dir)
}

func TestCleanStaleRemovesOnlyDirectoriesWhoseProcessIsGone(t *testing.T) {
	root := t.TempDir()
	mk := func(name string) string {
		d := filepath.Join(root, name)
		require.NoError(t, os.Mkdir(d, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(d, "secrets.yaml"), []byte("password: planted\n"), 0o600))
		return d
	}
	dead := deadPID(t)
	stale := mk(editspace.Prefix + strconv.Itoa(dead) + "-123")
	mine := mk(editspace.Prefix + strconv.Itoa(os.Getpid()) + "-456")
	alive := mk(editspace.Prefix + strconv.Itoa(os.Getppid()) + "-789")
	other := mk("ck8sargo-edit-old")
	unrelated := mk("something-else-" + strconv.Itoa(dead) + "-1")

	got, err := editspace.CleanStale([]string{root, filepath.Join(root, "missing")})
	require.NoError(t, err)
	assert.Equal(t, []editspace.Stale{{Dir: stale, PID: dead}}, got)
	assert.NoDirExists(t, stale)
	for _, d := range []string{mine, alive, other, unrelated} {
		assert.DirExists(t, d, "kept: its process runs, or it is not an edit directory")
	}
}

func TestDefaultDirsPreferMemoryBackedStorage(t *testing.T) {
	dirs := editspace.DefaultDirs()
	require.NotEmpty(t, dirs)
	assert.Equal(t, os.TempDir(), dirs[len(dirs)-1], "$TMPDIR is the fallback")
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() && len(dirs) == 2 {
		assert.Equal(t, "/dev/shm", dirs[0])
		s, err := editspace.New(dirs)
		require.NoError(t, err)
		defer s.Remove()
		assert.True(t, s.Memory)
	}
}
