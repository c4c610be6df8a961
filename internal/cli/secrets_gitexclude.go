package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

// gitExclusion says what excludeFromGit did.
type gitExclusion struct {
	// WorkTree is the root of the git work tree the file is in; empty when it is in none,
	// and then nothing was done.
	WorkTree string
	// Pattern is the line for the file in the exclude file, e.g. "/keys/private.asc".
	Pattern string
	// ExcludeFile is the repository's info/exclude file.
	ExcludeFile string
	// Added is false when the pattern was there already.
	Added bool
}

// excludeFromGit adds file to the info/exclude of the git work tree it is in, so that
// neither `git add .` nor `git status` offers it: for a private key written where it should
// not be. The exclude file is local to the clone, never committed. A file outside any work
// tree gives a zero gitExclusion.
func excludeFromGit(file string) (gitExclusion, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return gitExclusion{}, err
	}
	root, gitDir, err := findGitDir(filepath.Dir(abs))
	if err != nil || root == "" {
		return gitExclusion{}, err
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return gitExclusion{}, err
	}
	// A leading slash anchors the pattern at the root; glob characters in the name are
	// escaped so that it names this one file.
	pattern := "/" + strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "!", `\!`, "#", `\#`).Replace(filepath.ToSlash(rel))
	res := gitExclusion{WorkTree: root, Pattern: pattern, ExcludeFile: filepath.Join(gitDir, "info", "exclude")}
	old, err := os.ReadFile(res.ExcludeFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("reading %s: %w", res.ExcludeFile, err)
	}
	for _, l := range strings.Split(string(old), "\n") {
		if strings.TrimSpace(l) == pattern {
			return res, nil
		}
	}
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	b.WriteString("# a private key written by kubectl ck8sargo secrets keygen\n" + pattern + "\n")
	if err := os.MkdirAll(filepath.Dir(res.ExcludeFile), 0o755); err != nil {
		return res, err
	}
	if err := atomicfile.Write(res.ExcludeFile, b.Bytes(), 0o644); err != nil {
		return res, fmt.Errorf("writing %s: %w", res.ExcludeFile, err)
	}
	res.Added = true
	return res, nil
}

// findGitDir finds the work tree at or above dir and its git directory: .git itself, or for
// a linked work tree or submodule (.git is a file "gitdir: PATH") the common directory,
// where git reads info/exclude from.
func findGitDir(dir string) (root, gitDir string, err error) {
	for d := dir; ; {
		p := filepath.Join(d, ".git")
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			return d, p, nil
		case err == nil:
			data, err := os.ReadFile(p)
			if err != nil {
				return "", "", err
			}
			g, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
			if !ok {
				return "", "", fmt.Errorf("%s is not a git directory link", p)
			}
			g = strings.TrimSpace(g)
			if !filepath.IsAbs(g) {
				g = filepath.Join(d, g)
			}
			if c, err := os.ReadFile(filepath.Join(g, "commondir")); err == nil {
				cd := strings.TrimSpace(string(c))
				if !filepath.IsAbs(cd) {
					cd = filepath.Join(g, cd)
				}
				g = cd
			}
			return d, filepath.Clean(g), nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", "", err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", "", nil
		}
		d = parent
	}
}
