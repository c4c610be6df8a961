package sops_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func assertMode(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, mode, fi.Mode().Perm(), path)
}
