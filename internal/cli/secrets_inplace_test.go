package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// linkTo makes a symbolic link named name in a directory of its own, pointing at target by a
// relative path, as a repository links a shared values file.
func linkTo(t *testing.T, target string) string {
	t.Helper()
	dir := t.TempDir()
	rel, err := filepath.Rel(dir, target)
	require.NoError(t, err)
	link := filepath.Join(dir, "link-"+filepath.Base(target))
	require.NoError(t, os.Symlink(rel, link))
	return link
}

func requireSymlink(t *testing.T, path string) {
	t.Helper()
	st, err := os.Lstat(path)
	require.NoError(t, err)
	require.NotZero(t, st.Mode()&os.ModeSymlink, "%s is still a symbolic link", path)
}

// Fails before the fix: atomicfile renamed a new file over the link, so the target stayed in
// plaintext while encrypt said "encrypted".
func TestSecretsInPlaceWriters_writeThroughASymlinkToItsTarget(t *testing.T) {
	repo := newSopsRepo(t)
	t.Setenv("SOPS_AGE_KEY_FILE", repo.keyFile)
	link := linkTo(t, repo.values)
	conf := filepath.Join(repo.dir, "chart", ".sops.yaml")

	r := runSopsCmd(t, "secrets", "encrypt", "--in-place", "--sops-config", conf, link)
	require.Equal(t, 0, r.code, r.all())
	assert.Contains(t, r.stdout, "encrypted "+link)
	requireSymlink(t, link)
	enc, err := os.ReadFile(repo.values)
	require.NoError(t, err)
	assert.NotContains(t, string(enc), sopsPlantedPassword, "the target is encrypted")
	assert.Contains(t, string(enc), "sops:")

	steps := []struct {
		name string
		args []string
		env  string
	}{
		{"rotate", []string{"rotate", link}, ""},
		{"updatekeys", []string{"updatekeys", "--sops-config", conf, link}, ""},
		{"edit", []string{"edit", link}, `sed -i 's/^token: .*/token: edited-through-link/' "$1"`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before, err := os.ReadFile(repo.values)
			require.NoError(t, err)
			if s.env != "" {
				script := filepath.Join(t.TempDir(), "editor")
				require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\n"+s.env+"\n"), 0o755))
				t.Setenv("EDITOR", script)
			}
			r := runSopsCmd(t, append([]string{"secrets"}, s.args...)...)
			require.Equal(t, 0, r.code, r.all())
			requireSymlink(t, link)
			after, err := os.ReadFile(repo.values)
			require.NoError(t, err)
			if s.name != "updatekeys" {
				assert.NotEqual(t, before, after, "the target was rewritten")
			}
			assert.NotContains(t, string(after), sopsPlantedPassword)
			r = runSopsCmd(t, "secrets", "decrypt", repo.values)
			require.Equal(t, 0, r.code, r.all())
			assert.Contains(t, r.stdout, sopsPlantedPassword, "the target still decrypts")
		})
	}
	r = runSopsCmd(t, "secrets", "decrypt", repo.values)
	assert.Contains(t, r.stdout, "token: edited-through-link")

	t.Run("wire", func(t *testing.T) {
		app := filepath.Join(repo.dir, "app.yaml")
		require.NoError(t, os.WriteFile(app, []byte("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\nspec:\n  source:\n    path: chart\n    helm:\n      valueFiles:\n        - values.yaml\n"), 0o640))
		appLink := linkTo(t, app)
		r := runSopsCmd(t, "secrets", "wire", appLink, "--values-file", "secrets.yaml")
		require.Equal(t, 0, r.code, r.all())
		requireSymlink(t, appLink)
		wired, err := os.ReadFile(app)
		require.NoError(t, err)
		assert.Contains(t, string(wired), "- secrets://secrets.yaml")
		st, err := os.Stat(app)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o640), st.Mode().Perm(), "the target keeps its mode")
	})

	t.Run("decrypt --output through a link", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "plain.yaml")
		require.NoError(t, os.WriteFile(out, nil, 0o600))
		outLink := linkTo(t, out)
		r := runSopsCmd(t, "secrets", "decrypt", repo.values, "--output", outLink)
		require.Equal(t, 0, r.code, r.all())
		requireSymlink(t, outLink)
		plain, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Contains(t, string(plain), sopsPlantedPassword)
	})

	t.Run("a dangling --output link is refused", func(t *testing.T) {
		dangling := filepath.Join(t.TempDir(), "out.yaml")
		require.NoError(t, os.Symlink("gone.yaml", dangling))
		r := runSopsCmd(t, "secrets", "decrypt", repo.values, "--output", dangling)
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.msg, "symbolic link to gone.yaml: its target does not exist")
		assert.NotContains(t, r.all(), sopsPlantedPassword)
		_, err := os.Stat(filepath.Join(filepath.Dir(dangling), "gone.yaml"))
		assert.ErrorIs(t, err, os.ErrNotExist)
	})
}
