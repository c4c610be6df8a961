// Command notify-lint is a CI gate built on the ck8sargo notify library: it reads the
// notifications ConfigMap and Secret and any Applications and AppProjects from the given
// YAML files, lints them as the Argo CD notifications controller would read them, writes
// the report (text, json, sarif, junit or github) and fails the job when a finding reaches
// -fail-on.
//
//	go run ./examples/notify-lint -fail-on warning argocd/notifications/*.yaml apps/*.yaml
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/report"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run returns 0 when the gate passes, 1 when it fails, 2 when it could not lint.
func run(args []string, stdout, stderr io.Writer) int {
	logrus.SetOutput(io.Discard) // the engine's own log; the report says everything
	fs := flag.NewFlagSet("notify-lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "report format: text, json, sarif, junit or github")
	failOn := fs.String("fail-on", "error", "lowest severity that fails: error, warning, info or never")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	threshold, err := policy.ParseSeverity(*failOn)
	if err != nil || !report.ValidFormat(*format) || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: notify-lint [-format F] [-fail-on S] FILE...")
		return 2
	}
	rep, err := lint(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 2
	}
	if err := report.Write(stdout, *format, *rep, report.Options{Rules: notify.LintRules(), ToolName: "notify-lint"}); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 2
	}
	if rep.Fails(threshold) {
		return 1
	}
	return 0
}

func lint(files []string) (*policy.Report, error) {
	p := argocdmanaged.DefaultProfile()
	var m notify.Manifests
	for _, f := range files {
		if err := readFile(f, &m); err != nil {
			return nil, err
		}
	}
	var cm notify.Located[*corev1.ConfigMap]
	for _, c := range m.ConfigMaps {
		if c.Object.Name == p.Notifications.ConfigMap {
			cm = c
		}
	}
	if cm.Object == nil {
		return nil, errors.New("no ConfigMap named " + p.Notifications.ConfigMap + " in the files")
	}
	var secret notify.Located[*corev1.Secret]
	for _, s := range m.Secrets {
		if s.Object.Name == p.Notifications.Secret {
			secret = s
		}
	}
	cfg := notify.FromObjects(p, cm.Object, secret.Object)
	src, err := os.ReadFile(cm.File) // for the line of each finding
	if err != nil {
		return nil, err
	}
	rep := notify.Lint(cfg, notify.LintOptions{
		ConfigMapSource: src,
		Applications:    m.Applications, AppProjects: m.AppProjects,
		ConfigMapFile: cm.File, SecretFile: secret.File,
	})
	rep.Summary.Files = len(files)
	return rep, nil
}

func readFile(path string, into *notify.Manifests) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return notify.ReadManifests(path, f, into)
}
