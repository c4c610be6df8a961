package golive_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/golive"
	"github.com/ck8sargo/ck8sargo/policy"
)

func TestRunRefusesInputItCannotJudge(t *testing.T) {
	tests := []struct {
		name    string
		content []byte // nil makes a directory
		noObj   bool
		want    string
	}{
		{name: "empty.yaml", content: []byte{}, noObj: true},
		{name: "comments.yaml", content: []byte("# nothing here\n---\n"), noObj: true},
		{name: "dir", content: nil, noObj: true},
		{name: "binary.yaml", content: []byte{0x00, 0x01, 0xff, 0xfe, 0x00, 'a'}, want: "not a text file"},
		{name: "latin1.yaml", content: []byte("kind: ConfigMap\napiVersion: v1\nmetadata: {name: caf\xe9}\n"), want: "not a text file"},
		{name: "big.yaml", content: bytes.Repeat([]byte("a"), 2<<10), want: "more than the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.name)
			if tt.content == nil {
				require.NoError(t, os.Mkdir(path, 0o755))
			} else {
				require.NoError(t, os.WriteFile(path, tt.content, 0o644))
			}
			opts := golive.Options{Profile: argocdmanaged.DefaultProfile(), Policy: policy.DefaultOptions()}
			opts.Policy.BaseDir, opts.Policy.NoRender, opts.Policy.MaxFileSize = dir, true, 1<<10
			cl, err := golive.Run(context.Background(), golive.Inputs{Paths: []string{path}}, opts)
			require.Error(t, err)
			assert.Nil(t, cl, "no checklist from input that was not read")
			if tt.noObj {
				assert.ErrorIs(t, err, golive.ErrNoObjects)
				return
			}
			var ie *golive.InputError
			require.ErrorAs(t, err, &ie)
			assert.Contains(t, err.Error(), tt.name)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
