package policy

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// repository is the git repository whose Application sources can be rendered.
type repository struct {
	root string // absolute
	url  string // normalised, see NormalizeRepoURL
}

// findRepository decides the repository: RepoRoot or the git top level of the first path,
// RepoURL or that repository's origin remote. Without a URL nothing can be matched, and
// nil is returned.
func findRepository(opts Options, paths []string, baseDir string) *repository {
	root := opts.RepoRoot
	if root == "" {
		start := baseDir
		for _, p := range paths {
			if p != "-" {
				start = p
				break
			}
		}
		if abs, err := filepath.Abs(start); err == nil {
			root = gitTopLevel(abs)
		}
		if root == "" && opts.RepoURL != "" {
			root, _ = filepath.Abs(baseDir)
		}
	}
	if root == "" {
		return nil
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil
	}
	url := opts.RepoURL
	if url == "" {
		url = originURL(root)
	}
	if url == "" {
		return nil
	}
	return &repository{root: root, url: NormalizeRepoURL(url)}
}

// gitTopLevel walks up from path to the directory holding .git.
func gitTopLevel(path string) string {
	dir := path
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		dir = filepath.Dir(dir)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// originURL reads the url of remote "origin" from the repository's git config, following a
// worktree's .git file to the common directory.
func originURL(root string) string {
	gitDir := filepath.Join(root, ".git")
	if data, err := os.ReadFile(gitDir); err == nil {
		// A worktree or submodule: ".git" is a file "gitdir: PATH".
		d := strings.TrimSpace(strings.TrimPrefix(string(data), "gitdir:"))
		if !filepath.IsAbs(d) {
			d = filepath.Join(root, d)
		}
		gitDir = d
		if c, err := os.ReadFile(filepath.Join(d, "commondir")); err == nil {
			cd := strings.TrimSpace(string(c))
			if !filepath.IsAbs(cd) {
				cd = filepath.Join(d, cd)
			}
			gitDir = cd
		}
	}
	data, err := os.ReadFile(filepath.Join(gitDir, "config"))
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	inOrigin := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inOrigin = strings.ReplaceAll(line, " ", "") == `[remote"origin"]`
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && inOrigin && strings.TrimSpace(k) == "url" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// NormalizeRepoURL reduces the https, ssh and scp-like forms of a git URL to
// "host/path" in lower case without ".git", so that the forms Applications use compare
// equal (argocdmanaged.NormalizeRepoURL).
func NormalizeRepoURL(u string) string { return argocdmanaged.NormalizeRepoURL(u) }

// inside says whether path is root or below it.
func inside(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
