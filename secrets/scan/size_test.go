package scan_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// Fails before the fix: a plaintext Secret over the limit was counted as skipped, with no
// finding and "findings": null.
func TestScan_aFileOverTheLimitIsAFindingAndNoFindingsIsAnEmptyList(t *testing.T) {
	dir := t.TempDir()
	secret := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: planted-big-pw\n"
	padding := "# " + strings.Repeat("x", 1000) + "\n"
	big := secret + strings.Repeat(padding, scan.MaxFileSize/len(padding)+1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(big), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte("a: 1\n"), 0o644))

	res, err := scan.Scan(context.Background(), os.DirFS(dir), ".")
	require.NoError(t, err)
	require.Len(t, res.Findings, 1)
	f := res.Findings[0]
	assert.Equal(t, scan.CheckTooLarge, f.Check)
	assert.Equal(t, "big.yaml", f.File)
	assert.Contains(t, f.Message, "not checked for secrets")
	assert.NotContains(t, f.Message, "planted-big-pw")

	res, err = scan.Scan(context.Background(), os.DirFS(dir), "ok.yaml")
	require.NoError(t, err)
	out, err := json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"findings":[]`)
}
