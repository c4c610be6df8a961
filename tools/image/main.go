// Command image builds the release's container image of kubectl-ck8sargo (`make image`):
// the linux/amd64 and linux/arm64 binaries, a multi-platform OCI image index written as an
// OCI layout directory and as a tarball, and with --push, pushed to a registry. No Docker.
//
//	go run ./tools/image                       # into dist/: image layout, tarball, digest
//	go run ./tools/image --push ghcr.io/ck8sargo/kubectl-ck8sargo:v0.3.0
//
// Environment, as tools/dist/dist.sh reads it: VERSION, COMMIT, SOURCE_DATE_EPOCH, DIST_DIR.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ck8sargo/ck8sargo/internal/release/image"
)

// usageError is bad input: exit code 2, one line.
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "image: %v\n", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	out := fs.String("out", envOr("DIST_DIR", "dist"), "directory for the layout (image/), the tarball and the digest file")
	push := fs.String("push", "", "also push the index to this reference, such as ghcr.io/ck8sargo/kubectl-ck8sargo:v0.3.0")
	platforms := fs.String("platforms", "linux/amd64,linux/arm64", "comma-separated linux platforms")
	version := fs.String("version", os.Getenv("VERSION"), "version label and stamp (default: git describe --tags --always --dirty)")
	commit := fs.String("commit", os.Getenv("COMMIT"), "revision label and stamp (default: git rev-parse --short HEAD)")
	source := fs.String("source", "https://github.com/ck8sargo/ck8sargo", "source label")
	fromCommit := fs.String("from-commit", os.Getenv("DIST_FROM_COMMIT"), "build the sources of this commit (exported with git archive) instead of the work tree")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q: flags only (see -h)", fs.Arg(0))}
	}
	root, err := gitOut("rev-parse", "--show-toplevel")
	if err != nil {
		return usageError{errors.New("run it inside the ck8sargo work tree (git rev-parse --show-toplevel failed)")}
	}
	rev := "HEAD"
	if *fromCommit != "" {
		rev = *fromCommit
	}
	if *version == "" && *fromCommit != "" {
		*version, _ = gitOut("describe", "--tags", "--always", rev)
	} else if *version == "" {
		*version, _ = gitOut("describe", "--tags", "--always", "--dirty")
	}
	if *commit == "" {
		*commit, _ = gitOut("rev-parse", "--short", rev)
	}
	if *version == "" || *commit == "" {
		return usageError{errors.New("cannot tell the version or commit from git: set VERSION and COMMIT")}
	}
	created, err := sourceDate(rev)
	if err != nil {
		return usageError{err}
	}
	work, err := os.MkdirTemp("", "ck8sargo-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	src := root
	if *fromCommit != "" {
		src = filepath.Join(work, "src")
		if err := exportCommit(*fromCommit, src); err != nil {
			return err
		}
	}

	start := time.Now()
	fmt.Fprintf(os.Stderr, "image: building %s (version %s)\n", *platforms, *version)
	bins, err := image.Compile(ctx, image.CompileOptions{
		ModuleDir: src, OutDir: filepath.Join(work, "bin"), Platforms: strings.Split(*platforms, ","), Version: *version, Commit: *commit,
	})
	if err != nil {
		return err
	}
	idx, err := image.Build(image.Options{Binaries: bins, Version: *version, Revision: *commit, Source: *source, Created: created})
	if err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	layoutDir := filepath.Join(*out, "image")
	if err := os.RemoveAll(layoutDir); err != nil {
		return err
	}
	if err := image.WriteLayout(layoutDir, idx); err != nil {
		return err
	}
	base := filepath.Join(*out, "kubectl-ck8sargo_"+*version+"_image")
	if err := image.WriteArchive(base+".tar", layoutDir, created); err != nil {
		return err
	}
	if err := os.WriteFile(base+".digest", []byte(digest.String()+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "image: %s written to %s and %s.tar in %s\n", digest, layoutDir, base, time.Since(start).Round(time.Second))
	if *push != "" {
		pushed, err := image.Push(ctx, *push, idx)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "image: pushed %s\n", pushed)
	}
	fmt.Println(digest.String())
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// sourceDate is SOURCE_DATE_EPOCH, or the commit's time, so two builds of a commit agree.
func sourceDate(rev string) (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		s, _ = gitOut("log", "-1", "--format=%ct", rev)
	}
	if s == "" {
		return time.Unix(0, 0), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid SOURCE_DATE_EPOCH %q: give seconds since 1970", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

func gitOut(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	return strings.TrimSpace(string(out)), err
}

// exportCommit writes the tree of rev into dir with git archive, so that the build sees
// the commit and not whatever else is in the work tree.
func exportCommit(rev, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	archive := exec.Command("git", "archive", rev)
	untar := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	untar.Stdin = pipe
	if err := untar.Start(); err != nil {
		return fmt.Errorf("tar is needed to export %s: %w", rev, err)
	}
	if err := archive.Run(); err != nil {
		return usageError{fmt.Errorf("cannot export commit %q with git archive: %v", rev, err)}
	}
	return untar.Wait()
}
