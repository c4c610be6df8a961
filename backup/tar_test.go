package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// tarEntries reads a tar.gz into its entry names in order and their contents; a broken
// stream yields what could be read.
func tarEntries(t testing.TB, data []byte) ([]string, map[string][]byte) {
	t.Helper()
	out := map[string][]byte{}
	var names []string
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, out
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err != nil {
			return names, out
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return names, out
		}
		names = append(names, hdr.Name)
		out[hdr.Name] = b
	}
}

func tarGz(t testing.TB, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o600, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := tw.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}
