package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

func TestWriteReplacesContentWithTheGivenMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))

	require.NoError(t, atomicfile.Write(path, []byte("new"), 0o600))

	assertFile(t, path, "new", 0o600)
	assertEntries(t, dir, 1, "no temporary file left behind")
}

// assertFile checks the content and permissions of the file at path (after links).
func assertFile(t *testing.T, path, content string, perm os.FileMode, msgAndArgs ...any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, content, string(data), msgAndArgs...)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, perm, st.Mode().Perm())
}

// assertEntries checks how many entries dir holds.
func assertEntries(t *testing.T, dir string, n int, msg string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, n, msg)
}

func TestWriteIntoMissingDirectoryFailsAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	err := atomicfile.Write(filepath.Join(dir, "nope", "f"), []byte("x"), 0o600)
	assert.ErrorContains(t, err, "nope")
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries)
}

func TestWriteThroughASymlinkReplacesTheTargetAndKeepsTheLink(t *testing.T) {
	root := t.TempDir()
	targetDir := filepath.Join(root, "real")
	linkDir := filepath.Join(root, "links")
	require.NoError(t, os.Mkdir(targetDir, 0o755))
	require.NoError(t, os.Mkdir(linkDir, 0o755))
	target := filepath.Join(targetDir, "secrets.yaml")
	require.NoError(t, os.WriteFile(target, []byte("plain"), 0o640))

	for _, tc := range []struct {
		name, dest string
	}{
		{"absolute link", target},
		{"relative link", filepath.Join("..", "real", "secrets.yaml")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			link := filepath.Join(linkDir, "link.yaml")
			require.NoError(t, os.Symlink(tc.dest, link))
			t.Cleanup(func() { os.Remove(link) })
			chain := filepath.Join(linkDir, "chain.yaml")
			require.NoError(t, os.Symlink("link.yaml", chain))
			t.Cleanup(func() { os.Remove(chain) })

			require.NoError(t, atomicfile.Write(chain, []byte("encrypted "+tc.name), 0o640))

			assertFile(t, target, "encrypted "+tc.name, 0o640, "the target holds the new content")
			for _, l := range []string{link, chain} {
				st, err := os.Lstat(l)
				require.NoError(t, err)
				assert.NotZero(t, st.Mode()&os.ModeSymlink, "%s is still a link", l)
			}
			assertEntries(t, targetDir, 1, "no temporary file left beside the target")
			assertEntries(t, linkDir, 2, "nothing written beside the links")
		})
	}
}

func TestWriteRefusesADanglingLinkOrATargetThatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	dangling := filepath.Join(dir, "dangling.yaml")
	require.NoError(t, os.Symlink("gone.yaml", dangling))
	toDir := filepath.Join(dir, "todir")
	require.NoError(t, os.Symlink(t.TempDir(), toDir))
	toDev := filepath.Join(dir, "todev")
	require.NoError(t, os.Symlink("/dev/null", toDev))

	for _, tc := range []struct {
		name, path, msg string
		is              error
	}{
		{"dangling", dangling, dangling + " is a symbolic link to gone.yaml: its target does not exist", atomicfile.ErrDanglingLink},
		{"link to a directory", toDir, "a directory", atomicfile.ErrNotRegular},
		{"link to a device", toDev, "a device", atomicfile.ErrNotRegular},
		{"directory", dir, "a directory", atomicfile.ErrNotRegular},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := os.ReadDir(dir)
			require.NoError(t, err)
			err = atomicfile.Write(tc.path, []byte("x"), 0o600)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.msg)
			after, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Equal(t, len(before), len(after), "nothing created")
			_, err = os.Stat(filepath.Join(dir, "gone.yaml"))
			assert.ErrorIs(t, err, os.ErrNotExist)
		})
	}
}
