// Command policy-gate is a CI gate built on the ck8sargo policy library: it checks the
// manifests under the given paths with every built-in rule and the repository's
// .ck8sargo.yaml, writes GitHub annotations (or -format text/json/sarif), and fails the job
// when a finding reaches -fail-on.
//
//	go run ./examples/policy-gate -fail-on warning deploy/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/report"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run returns 0 when the gate passes, 1 when it fails, 2 when it could not check.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy-gate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "github", "report format: "+fmt.Sprint(report.Formats))
	failOn := fs.String("fail-on", "error", "severity that fails the gate: error, warning, info or never")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	threshold, err := policy.ParseSeverity(*failOn)
	if err != nil {
		fmt.Fprintln(stderr, "policy-gate:", err)
		return 2
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}

	opts := policy.DefaultOptions()
	opts.Rules = rules.Builtin()
	// The repository's profile, when there is one, decides namespaces, features and the
	// policy section (disabled rules, severities, ignored paths).
	wd, _ := os.Getwd()
	if file, err := argocdmanaged.FindProfile(wd); err == nil && file != "" {
		if opts.Profile, err = argocdmanaged.LoadProfileFile(file, opts.Profile); err != nil {
			fmt.Fprintln(stderr, "policy-gate:", err)
			return 2
		}
	}

	rep, err := policy.Check(ctx, policy.Inputs{Paths: paths, Stdin: os.Stdin}, opts)
	var fileErr *policy.FileError
	if err != nil && !errors.As(err, &fileErr) {
		fmt.Fprintln(stderr, "policy-gate:", err)
		return 2
	}
	if werr := report.Write(stdout, *format, rep, report.Options{Rules: opts.Rules, ToolName: "policy-gate"}); werr != nil {
		fmt.Fprintln(stderr, "policy-gate:", werr)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "policy-gate:", err)
		return 2
	}
	s := rep.Summary
	fmt.Fprintf(stderr, "policy-gate: %d objects, %d errors, %d warnings, %d infos, %d suppressed\n", s.Objects, s.Errors, s.Warnings, s.Infos, s.Suppressed)
	if rep.Fails(threshold) {
		return 1
	}
	return 0
}
