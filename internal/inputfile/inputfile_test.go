package inputfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

func TestReadRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := fixture.FIFO(t, dir, "fifo")
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(fifo, link))

	for _, tc := range []struct {
		name, path, what string
	}{
		{"fifo", fifo, "named pipe"},
		{"symlink to a fifo", link, "named pipe"},
		{"directory", dir, "directory"},
		{"device", "/dev/null", "device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := fixture.Within(t, 5*time.Second, "Read", func() error { _, err := inputfile.Read(tc.path, 0); return err })
			require.Error(t, err)
			assert.True(t, errors.Is(err, inputfile.ErrNotRegular))
			assert.Contains(t, err.Error(), tc.what)
		})
	}
}

func TestReadEnforcesTheLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	require.NoError(t, os.WriteFile(p, []byte(strings.Repeat("a", 2048)), 0o600))

	_, err := inputfile.Read(p, 1024)
	var tl *inputfile.TooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, int64(2048), tl.Size)
	assert.Equal(t, p+" is 2.0 KiB, over the limit of 1.0 KiB", err.Error())

	data, err := inputfile.Read(p, 4096)
	require.NoError(t, err)
	assert.Len(t, data, 2048)
}

func TestReadAllEnforcesTheLimitOnAStream(t *testing.T) {
	_, err := inputfile.ReadAll("standard input", strings.NewReader("abcdef"), 3)
	var tl *inputfile.TooLargeError
	require.ErrorAs(t, err, &tl)
	data, err := inputfile.ReadAll("standard input", strings.NewReader("abc"), 3)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(data))
}
