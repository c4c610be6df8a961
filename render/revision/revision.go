// Package revision writes the tree of a git revision into a directory, for rendering a
// revision other than the working tree (the base of a diff) without touching the working
// tree, the index or the refs of the repository. It runs the git binary: only plumbing
// commands that read (rev-parse, ls-tree, cat-file).
package revision

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoGit is returned when the git binary is not on the PATH.
var ErrNoGit = errors.New("git is not on the PATH")

// UnknownError is a revision that git cannot resolve to a commit in the repository.
type UnknownError struct {
	Revision string
	Repo     string
	Detail   string // git's own one-line reason
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("revision %q is not a commit of the repository %s (%s); fetch it, or name a branch, tag or commit that exists", e.Revision, e.Repo, e.Detail)
}

// Result says what Export wrote.
type Result struct {
	// Commit is the full hash the revision resolved to.
	Commit string
	// Files is the number of files and symbolic links written; submodules are left out.
	Files int
}

// Export writes the files of revision (a branch, tag, commit or anything git rev-parse
// takes) of the repository whose work tree or git directory is repo into dest, which must
// be an empty or missing directory. Regular files are written 0644 (0755 when
// executable), symbolic links as links (readers confine them), submodules not at all. A
// path that would leave dest is refused.
func Export(ctx context.Context, repo, revision, dest string) (Result, error) {
	var res Result
	git, err := exec.LookPath("git")
	if err != nil {
		return res, ErrNoGit
	}
	if strings.HasPrefix(revision, "-") {
		return res, &UnknownError{Revision: revision, Repo: repo, Detail: "a revision cannot start with -"}
	}
	out, err := run(ctx, git, repo, nil, "rev-parse", "--verify", "--quiet", "--end-of-options", revision+"^{commit}")
	if err != nil {
		detail := "not found"
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return res, err
		}
		if msg := firstLine(ee.Stderr); msg != "" {
			detail = msg
		}
		return res, &UnknownError{Revision: revision, Repo: repo, Detail: detail}
	}
	res.Commit = strings.TrimSpace(string(out))
	listing, err := run(ctx, git, repo, nil, "ls-tree", "-r", "-z", "--full-tree", res.Commit)
	if err != nil {
		return res, fmt.Errorf("listing %s: %w", revision, gitErr(err))
	}
	type entry struct {
		mode, id, path string
	}
	var entries []entry
	var ids bytes.Buffer
	for _, rec := range bytes.Split(listing, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, path, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 {
			return res, fmt.Errorf("listing %s: unexpected git ls-tree line %q", revision, rec)
		}
		if f[1] != "blob" {
			continue // a submodule is another repository
		}
		entries = append(entries, entry{mode: f[0], id: f[2], path: string(path)})
		ids.WriteString(f[2] + "\n")
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return res, err
	}
	absDest, err := filepath.Abs(dest)
	if err != nil {
		return res, err
	}
	cmd := exec.CommandContext(ctx, git, "-C", repo, "cat-file", "--batch")
	cmd.Stdin = &ids
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
	}
	if err := cmd.Start(); err != nil {
		return res, err
	}
	rd := bufio.NewReaderSize(stdout, 1<<16)
	writeErr := func() error {
		for _, e := range entries {
			header, err := rd.ReadString('\n')
			if err != nil {
				return fmt.Errorf("reading %s from git: %w", e.path, err)
			}
			f := strings.Fields(header)
			if len(f) != 3 || f[0] != e.id {
				return fmt.Errorf("reading %s from git: unexpected answer %q", e.path, strings.TrimSpace(header))
			}
			size, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return fmt.Errorf("reading %s from git: bad size %q", e.path, f[2])
			}
			target := filepath.Join(absDest, filepath.FromSlash(e.path))
			if rel, err := filepath.Rel(absDest, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return fmt.Errorf("%s of %s leads outside the directory it is written to", e.path, revision)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if err := writeEntry(rd, target, e.mode, size); err != nil {
				return fmt.Errorf("writing %s: %w", e.path, err)
			}
			if _, err := rd.Discard(1); err != nil { // the newline after each object
				return fmt.Errorf("reading %s from git: %w", e.path, err)
			}
			res.Files++
		}
		return nil
	}()
	if writeErr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return res, writeErr
	}
	if err := cmd.Wait(); err != nil {
		return res, fmt.Errorf("reading %s from git: %v: %s", revision, err, firstLine(stderr.Bytes()))
	}
	return res, nil
}

func writeEntry(r io.Reader, target, mode string, size int64) error {
	body := io.LimitReader(r, size)
	if mode == "120000" {
		link, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		return os.Symlink(string(link), target)
	}
	perm := os.FileMode(0o644)
	if mode == "100755" {
		perm = 0o755
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func run(ctx context.Context, git, repo string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, git, append([]string{"-C", repo}, args...)...)
	cmd.Stdin = stdin
	return cmd.Output()
}

func gitErr(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if msg := firstLine(ee.Stderr); msg != "" {
			return errors.New(msg)
		}
	}
	return err
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimPrefix(s, "fatal: ")
}
