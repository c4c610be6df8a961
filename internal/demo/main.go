// Command demo starts a local control plane laid out like the managed platform, runs the
// plugin against it step by step, printing each command and what it showed, and stops the
// control plane on exit, also on Ctrl-C. `make demo` runs it.
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
	"strings"
	"syscall"
	"time"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

func main() {
	plugin := flag.String("plugin", "bin/kubectl-ck8sargo", "the plugin binary to run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *plugin)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, plugin string) error {
	plugin, err := filepath.Abs(plugin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(plugin); err != nil {
		return fmt.Errorf("%s not found; run `make build` first", plugin)
	}
	fmt.Println("== starting a local control plane laid out like the managed Argo CD platform")
	start := time.Now()
	env, err := testenv.Start(ctx)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Println("== stopping the control plane")
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "demo: stopping: %v\n", err)
		}
	}()
	fmt.Printf("   ready in %s: Argo CD namespace %s, tenant namespaces %s, developer %s\n\n",
		time.Since(start).Round(100*time.Millisecond), env.Profile.ArgoCD.Namespace,
		strings.Join(testenv.TenantNamespaces, ", "), testenv.DeveloperUser)

	work, err := os.MkdirTemp("", "ck8sargo-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	d := &demo{plugin: plugin, env: env, work: work}
	if err := d.putPluginOnPath(); err != nil {
		return err
	}
	for _, s := range steps() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := d.run(ctx, s); err != nil {
			return err
		}
	}
	fmt.Println("== demo finished: every step ran as expected")
	return nil
}

// demo holds what the steps share: the plugin, the environment and a scratch directory.
type demo struct {
	plugin string
	env    *testenv.Env
	work   string
	path   string // PATH with the plugin installed as kubectl-ck8sargo
}

// step is one command of the demo. Steps run in order; each says what it shows.
type step struct {
	title string
	// as is "admin" or "developer": whose kubeconfig the command uses.
	as   string
	args []string
	// kubectl runs the step through `kubectl ck8sargo` instead of the binary itself.
	kubectl bool
	// wantExit is the exit code the step must end with.
	wantExit int
	// files are written into the working directory before the step runs.
	files map[string]string
}

// putPluginOnPath installs the plugin as kubectl-ck8sargo in a directory of its own, the way
// kubectl finds plugins, so that `kubectl ck8sargo` works in the steps.
func (d *demo) putPluginOnPath() error {
	dir := filepath.Join(d.work, "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Symlink(d.plugin, filepath.Join(dir, "kubectl-ck8sargo")); err != nil {
		return err
	}
	d.path = dir + string(os.PathListSeparator) + os.Getenv("PATH")
	return nil
}

func (d *demo) run(ctx context.Context, s step) error {
	kubeconfig := d.env.AdminKubeconfig
	if s.as == "developer" {
		kubeconfig = d.env.DeveloperKubeconfig
	}
	name, args := d.plugin, s.args
	shown := "kubectl ck8sargo " + strings.Join(s.args, " ")
	if s.kubectl {
		kubectl, err := exec.LookPath("kubectl")
		if err != nil {
			fmt.Printf("-- %s: skipped, kubectl is not installed\n\n", s.title)
			return nil
		}
		name, args = kubectl, append([]string{"ck8sargo"}, s.args...)
	}
	for name, content := range s.files {
		if err := os.WriteFile(filepath.Join(d.work, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("-- %s (as %s)\n$ %s\n", s.title, s.as, shown)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = d.work
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "PATH="+d.path)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		return fmt.Errorf("%s: %w", s.title, err)
	}
	fmt.Printf("   (exit %d)\n\n", code)
	if code != s.wantExit {
		return fmt.Errorf("%s: exit code %d, want %d", s.title, code, s.wantExit)
	}
	return nil
}
