package policy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRepoFSOpensOnlyFilesWhoseRealPathIsInTheRepository(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside.yaml")
	require.NoError(t, os.WriteFile(outside, []byte("password: OUTSIDE-MARKER\n"), 0o600))
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "inside.yaml"), []byte("a: b\n"), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "escape.yaml")))
	require.NoError(t, os.Symlink("inside.yaml", filepath.Join(root, "alias.yaml")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "fifo.yaml"), 0o600))
	fsys := repoFS{root: root}

	for _, tc := range []struct {
		name, path string
		want       string
		err        error
	}{
		{name: "a file in the repository", path: "inside.yaml", want: "a: b\n"},
		{name: "a link to a file in the repository", path: "alias.yaml", want: "a: b\n"},
		{name: "a link out of the repository", path: "escape.yaml", err: fs.ErrPermission},
		{name: "a FIFO, never opened", path: "fifo.yaml", err: fs.ErrPermission},
		{name: "a path with ..", path: "../outside.yaml", err: fs.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := fs.ReadFile(fsys, tc.path)
			if tc.err != nil {
				require.Error(t, err)
				assert.True(t, errors.Is(err, tc.err), "%v", err)
				assert.NotContains(t, err.Error(), "OUTSIDE-MARKER")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(data))
		})
	}
}
