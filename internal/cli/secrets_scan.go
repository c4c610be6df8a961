package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

type secretsScanOptions struct {
	genericiooptions.IOStreams
	root   *RootOptions
	output *outputFlag
	// dir is the directory the scan starts from; the working directory unless a test sets it.
	dir string

	repo  string
	paths []string
	opts  scan.Options
}

// NewCmdSecretsScan checks files before they are committed.
func NewCmdSecretsScan(root *RootOptions) *cobra.Command {
	o := &secretsScanOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "scan [PATH...]",
		Short: "Refuse plaintext secrets before they are committed (pre-commit hook)",
		Long: `scan checks files and directories (default: the whole repository) and prints file:line for:

  plaintext-secret          a Secret manifest with data or stringData in plaintext
  unencrypted-secrets-file  a file .sops.yaml says must be encrypted (a rule with a
                            path_regex matches it, or it is named secrets*.yaml under a
                            .sops.yaml) that is not, or only partly, or has no MAC; and every
                            secrets:// file an Application references that is not encrypted
                            (also read as text in Helm templates and files that do
                            not parse as YAML), or a kustomize secretGenerator with
                            literals, envs or files
  private-key               PGP private key blocks, AGE-SECRET-KEY-, PEM private keys
                            (a BEGIN line with no key after it, as in docs, is none)
  credential                a cloud key, API token or password, by gitleaks' rule set
                            (rule in parentheses): .env files, values files, scripts
  conflict-marker           git conflict markers inside a sops-encrypted file
  file-too-large            a file over 16 MiB, which is not read

A secret is reported once: a credential inside a plaintext Secret or a file that must be
encrypted is part of that finding. Encrypted and sealed files pass.

To let a finding pass, put "ck8sargo:allow" (or gitleaks:allow) in a comment on its line or
on the line above, or list it in .ck8sargo.yaml:

  secrets:
    scan:
      allow:
        - paths: ["docs/**", "**/testdata/**"]   # globs from the repository root
          rules: [credential]                    # checks or gitleaks rule IDs
          reason: examples
      ignore:
        - deploy/app.env:generic-api-key:3       # a fingerprint: FILE:RULE:LINE

-o json gives each finding's fingerprint. Paths are taken relative to the repository root (the
directory holding .git, found from the working directory up), where secrets:// references
are resolved; .git is skipped. The exit code is 1 when anything is found, 2 on bad input.
No value is ever printed.

As a plain git hook, put this in .git/hooks/pre-commit (executable):

  #!/bin/sh
  git diff --cached --name-only --diff-filter=ACM -z | xargs -0 -r kubectl ck8sargo secrets scan

With the pre-commit framework, use the hook "ck8sargo-secrets-scan" of this repository.`,
		Example: `  kubectl ck8sargo secrets scan
  kubectl ck8sargo secrets scan charts/shop apps/shop.yaml
  kubectl ck8sargo secrets scan -o json`,
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, "output format: text or json", "text", "json")
	return cmd
}

// Complete finds the repository root, takes the paths relative to it and reads the
// allowlist of the profile.
func (o *secretsScanOptions) Complete(_ *cobra.Command, args []string) error {
	wd := o.dir
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			return err
		}
	}
	root := repositoryRoot(wd)
	o.repo = root
	var paths []string
	for _, a := range args {
		if !filepath.IsAbs(a) {
			a = filepath.Join(wd, a)
		}
		rel, err := filepath.Rel(root, a)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return UsageErrorf("%s is outside the repository %s", a, root)
		}
		paths = append(paths, filepath.ToSlash(rel))
	}
	if len(args) == 0 {
		rel, err := filepath.Rel(root, wd)
		if err != nil {
			return err
		}
		paths = []string{filepath.ToSlash(rel)}
	}
	profile, err := o.root.Profile()
	if err != nil {
		return err
	}
	o.paths = paths
	o.opts = scan.Options{Ignore: profile.Secrets.Scan.Ignore}
	for _, a := range profile.Secrets.Scan.Allow {
		o.opts.Allow = append(o.opts.Allow, scan.Allow{Paths: a.Paths, Rules: a.Rules, Reason: a.Reason})
	}
	return nil
}

// Validate has nothing to check: the paths were checked against the repository.
func (o *secretsScanOptions) Validate() error { return nil }

// Run scans and prints the findings; the exit code says whether any were found.
func (o *secretsScanOptions) Run(ctx context.Context) error {
	res, err := scan.ScanWith(ctx, os.DirFS(o.repo), o.opts, o.paths...)
	if res != nil {
		hintScanFindings(res.Findings)
	}
	if err != nil {
		if res == nil {
			return UsageErrorf("%w; fix secrets.scan in the profile (.ck8sargo.yaml)", err)
		}
		// Problems with some paths: report what was found, then fail on the input.
		defer func() { fmt.Fprintf(o.ErrOut, "error: %s\n", oneline.Lines(err.Error())) }()
	}
	if o.output.is("json") {
		if err := printStructured(o.Out, "json", res); err != nil {
			return err
		}
	} else {
		for _, f := range res.Findings {
			fmt.Fprintln(o.Out, f.String())
			if f.Remediation != "" {
				fmt.Fprintf(o.Out, "    %s\n", f.Remediation)
			}
		}
		allowed := ""
		if res.Allowed > 0 {
			allowed = fmt.Sprintf(" (%d let pass by ck8sargo:allow or secrets.scan in .ck8sargo.yaml)", res.Allowed)
		}
		if len(res.Findings) > 0 {
			fmt.Fprintf(o.ErrOut, "%d problem(s) in %d file(s) scanned%s\n", len(res.Findings), res.Files, allowed)
		}
	}
	switch {
	case err != nil:
		return &exitError{Code: ExitError}
	case len(res.Findings) > 0:
		return ProblemsFound()
	}
	return nil
}

// repositoryRoot is the nearest directory at or above dir that holds .git, else dir.
func repositoryRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		} else if !errors.Is(err, os.ErrNotExist) {
			return dir
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}
