package image

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CompileOptions describe the release build of the plugin's binaries.
type CompileOptions struct {
	// ModuleDir is the root of the ck8sargo module (where go.mod is).
	ModuleDir string
	// OutDir receives one directory per platform, each with kubectl-ck8sargo.
	OutDir string
	// Platforms such as linux/amd64.
	Platforms []string
	// Version and Commit are stamped into the binary (-X), as tools/dist/dist.sh does.
	Version, Commit string
	// ExtraLDFlags are appended to the linker flags (more -X stamps).
	ExtraLDFlags string
}

// Compile builds static, stripped, reproducible binaries (CGO_ENABLED=0, -trimpath,
// -ldflags "-s -w", no VCS stamping) with the go command on PATH, as the release archives
// are built, so the image holds the same bytes as the archive of its platform.
func Compile(ctx context.Context, opts CompileOptions) ([]Binary, error) {
	ldflags := "-s -w -X github.com/ck8sargo/ck8sargo/internal/cli.version=" + opts.Version +
		" -X github.com/ck8sargo/ck8sargo/internal/cli.commit=" + opts.Commit
	if opts.ExtraLDFlags != "" {
		ldflags += " " + opts.ExtraLDFlags
	}
	var out []Binary
	for _, p := range opts.Platforms {
		goos, goarch, ok := strings.Cut(p, "/")
		if !ok || goos != "linux" {
			return nil, fmt.Errorf("invalid platform %q: the image runs linux/ARCH, such as linux/amd64", p)
		}
		dir := filepath.Join(opts.OutDir, goos+"-"+goarch)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		bin := filepath.Join(dir, "kubectl-ck8sargo")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", bin, "./cmd/kubectl-ck8sargo")
		cmd.Dir = opts.ModuleDir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("building the %s binary: %w: %s", p, err, strings.TrimSpace(stderr.String()))
		}
		out = append(out, Binary{Platform: p, Path: bin})
	}
	return out, nil
}
