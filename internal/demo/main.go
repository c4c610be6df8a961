// Command demo starts a local control plane laid out like the managed platform, runs the
// plugin against it step by step, printing each command and what it showed, and stops the
// control plane on exit, also on Ctrl-C. `make demo` runs it.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/namespacestest"
	"github.com/ck8sargo/ck8sargo/internal/testenv/sealedtest"
)

func main() {
	plugin := flag.String("plugin", "bin/kubectl-ck8sargo", "the plugin binary to run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *plugin)
	interrupted := ctx.Err() != nil
	stop()
	if interrupted {
		fmt.Fprintln(os.Stderr, "demo: interrupted; the control plane was stopped and its files removed")
		os.Exit(130)
	}
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
	work, err := os.MkdirTemp("", "ck8sargo-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	d := &demo{plugin: plugin, env: env, work: work, repo: filepath.Join(work, "repo"), available: map[string]string{}}
	if err := d.setUp(ctx); err != nil {
		return err
	}
	defer d.tearDown()
	fmt.Printf("   ready in %s: Argo CD namespace %s, tenant namespaces %s, developer %s\n\n",
		time.Since(start).Round(100*time.Millisecond), env.Profile.ArgoCD.Namespace,
		strings.Join(testenv.TenantNamespaces, ", "), testenv.DeveloperUser)

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

// demo holds what the steps share: the plugin, the environment and a scratch directory
// with the team's repository in repo/.
type demo struct {
	plugin string
	env    *testenv.Env
	work   string
	repo   string
	path   string // PATH with the plugin installed as kubectl-ck8sargo
	// available maps an optional part ("sealed-secrets") to why it is missing, or "".
	available map[string]string
	stop      []func()
}

// setUp installs the plugin where kubectl finds plugins, installs HNC's API, plays the
// platform's part for subnamespaces, and starts the real sealed-secrets controller where
// this machine allows it.
func (d *demo) setUp(ctx context.Context) error {
	for _, dir := range []string{d.repo, filepath.Join(d.work, "bin"), filepath.Join(d.work, "keys")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := os.Symlink(d.plugin, filepath.Join(d.work, "bin", "kubectl-ck8sargo")); err != nil {
		return err
	}
	d.path = filepath.Join(d.work, "bin") + string(os.PathListSeparator) + os.Getenv("PATH")
	if err := namespacestest.InstallHNC(ctx, d.env); err != nil {
		return fmt.Errorf("installing HNC's API: %w", err)
	}
	pctx, cancel := context.WithCancel(ctx)
	d.stop = append(d.stop, cancel)
	if err := playPlatform(pctx, d.env); err != nil {
		return err
	}
	fmt.Println("   HNC's SubnamespaceAnchor API installed; the demo plays HNC and the platform's namespace job")
	if os.Geteuid() != 0 {
		d.available["sealed-secrets"] = "the controller runs in its own network namespace, which needs root"
	} else if ctrl, err := sealedtest.Start(ctx, d.env); err != nil {
		d.available["sealed-secrets"] = err.Error()
	} else {
		d.stop = append(d.stop, ctrl.Stop)
		fmt.Printf("   the real sealed-secrets controller runs as %s/%s\n", ctrl.Namespace, ctrl.Name)
	}
	if why := d.available["sealed-secrets"]; why != "" {
		fmt.Printf("   sealed-secrets steps will be skipped: %s\n", why)
	}
	return nil
}

func (d *demo) tearDown() {
	for i := len(d.stop) - 1; i >= 0; i-- {
		d.stop[i]()
	}
}

// step is one command of the demo. Steps run in order; each says what it shows.
type step struct {
	title string
	// as is "admin" or "developer": whose kubeconfig the command uses.
	as   string
	args []string
	// kubectl runs the step through `kubectl ck8sargo` instead of the binary itself.
	kubectl bool
	// raw runs args as a command of its own (args[0] is the program).
	raw bool
	// wantExit is the exit code the step must end with.
	wantExit int
	// files are written into the repository before the step runs.
	files map[string]string
	// saveAs also writes the step's standard output to this file of the repository.
	saveAs string
	// needs names an optional part the step cannot run without.
	needs string
}

func (d *demo) run(ctx context.Context, s step) error {
	if why := d.available[s.needs]; s.needs != "" && why != "" {
		fmt.Printf("-- %s: skipped (%s)\n\n", s.title, why)
		return nil
	}
	names := make([]string, 0, len(s.files))
	for name := range s.files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(d.repo, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(s.files[name]), 0o600); err != nil {
			return err
		}
	}
	args, err := d.expand(s.args)
	if err != nil {
		return fmt.Errorf("%s: %w", s.title, err)
	}
	kubeconfig := d.env.AdminKubeconfig
	if s.as == "developer" {
		kubeconfig = d.env.DeveloperKubeconfig
	}
	name, shown := d.plugin, "kubectl ck8sargo "+strings.Join(args, " ")
	switch {
	case s.raw:
		name, args, shown = args[0], args[1:], strings.Join(args, " ")
	case s.kubectl:
		kubectl, err := exec.LookPath("kubectl")
		if err != nil {
			fmt.Printf("-- %s: skipped, kubectl is not installed\n\n", s.title)
			return nil
		}
		name, args = kubectl, append([]string{"ck8sargo"}, args...)
	}
	if s.saveAs != "" {
		shown += " > " + s.saveAs
	}
	fmt.Printf("-- %s (as %s)\n$ %s\n", s.title, s.as, shown)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = d.repo
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "PATH="+d.path, "NO_COLOR=1")
	var saved bytes.Buffer
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	if s.saveAs != "" {
		cmd.Stdout = io.MultiWriter(os.Stdout, &saved)
	}
	err = cmd.Run()
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
	if s.saveAs != "" {
		return os.WriteFile(filepath.Join(d.repo, s.saveAs), saved.Bytes(), 0o644)
	}
	return nil
}

// expand fills in {work}, {recipient} and {backup}.
func (d *demo) expand(args []string) ([]string, error) {
	out := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "{work}", d.work)
		if strings.Contains(a, "{recipient}") {
			r, err := os.ReadFile(filepath.Join(d.work, "keys", "recipient.txt"))
			if err != nil {
				return nil, err
			}
			a = strings.ReplaceAll(a, "{recipient}", strings.TrimSpace(string(r)))
		}
		if strings.Contains(a, "{backup}") {
			names, err := filepath.Glob(filepath.Join(d.work, "backups", "argocd-backup-*"))
			if err != nil || len(names) == 0 {
				return nil, fmt.Errorf("no backup in %s", filepath.Join(d.work, "backups"))
			}
			sort.Strings(names)
			base := filepath.Base(names[len(names)-1])
			name, _, _ := strings.Cut(base, ".")
			a = strings.ReplaceAll(a, "{backup}", name)
		}
		out[i] = a
	}
	return out, nil
}
