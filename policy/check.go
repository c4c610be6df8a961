package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/bytesize"
	"github.com/ck8sargo/ck8sargo/internal/parallel"
	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/render"
)

// Inputs are what a check reads.
type Inputs struct {
	// Paths are files and directories (read recursively: .yaml, .yml and .json); "-" reads
	// Stdin.
	Paths []string
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Live, when set, adds the Applications, ApplicationSets and AppProjects of the
	// cluster's Argo CD namespace, read with these clients.
	Live *argocdmanaged.Clients
}

// Options tune a check. Start from DefaultOptions.
type Options struct {
	// Profile decides namespaces and features; its Policy section disables rules, changes
	// severities and ignores paths.
	Profile argocdmanaged.Profile
	// Rules are the rules to run, usually rules.Builtin(). Required.
	Rules []Rule
	// RepoRoot is the repository whose Application sources are rendered; empty means the
	// git top level of the first path, if any.
	RepoRoot string
	// RepoURL is the repository's URL as Applications name it; empty means the origin
	// remote of RepoRoot. Without either, sources are not rendered.
	RepoURL string
	// NoRender turns rendering of Application sources off.
	NoRender bool
	// MaxFileSize is the largest file read, in bytes; larger files are a finding.
	MaxFileSize int64
	// Workers is how many files are parsed and objects checked at once; 0 means one per CPU.
	Workers int
	// BaseDir is the directory that file names in findings are relative to; empty means
	// the working directory.
	BaseDir string
	// RenderTimeout is the time budget of rendering one source; past it the source is a
	// render-failed finding. 0 means no budget.
	RenderTimeout time.Duration
	// Offline forbids the network while rendering: remote Kustomize bases and charts not
	// in the cache are not-rendered findings.
	Offline bool
	// ArgoCDConfig is the part of argocd-cm that changes rendering (kustomize.buildOptions).
	ArgoCDConfig render.ArgoCDConfig
	// Charts fetches charts from Helm repositories and OCI registries and chart
	// dependencies that are not vendored; nil leaves them out.
	Charts render.ChartSource
	// Decrypter, when set, decrypts sops-encrypted secrets:// value files so that the
	// chart renders with their values, as the repo server does (a *sops.Client of package
	// secrets/sops is one). Without it, or when it fails, such a file is left out and
	// reported as not-rendered (info). Decrypted values stay in memory and never appear in
	// findings.
	Decrypter Decrypter
	// Admission are the admission policies (Gatekeeper mutators, ConstraintTemplates and
	// Constraints) workloads are judged by. Nil means the cluster's when the check is
	// live, else the repository's snapshot (admission.SnapshotFile) when there is one,
	// else admission.Builtin(Profile).
	Admission *admission.Policies
}

// Decrypter decrypts a sops file; name selects the format by its extension.
type Decrypter interface {
	Decrypt(ctx context.Context, name string, data []byte) ([]byte, error)
}

// DefaultOptions returns the platform's default profile, a 16 MiB file limit and no rules:
// set Rules (rules.Builtin() for all of them).
func DefaultOptions() Options {
	return Options{Profile: argocdmanaged.DefaultProfile(), MaxFileSize: 16 << 20, RenderTimeout: 2 * time.Minute}
}

// Annotations that control checks on one object.
const (
	// IgnoreAnnotation lists rule IDs, comma-separated, whose findings on the object are
	// suppressed ("*" suppresses all).
	IgnoreAnnotation = "ck8sargo.io/ignore"
	// IgnoreReasonAnnotation says why; it is shown with the suppressed finding.
	IgnoreReasonAnnotation = "ck8sargo.io/ignore-reason"
)

// Check reads the inputs, renders the Application sources found in the checked repository
// and runs the rules on every object. Problems in the content (invalid YAML, a chart that
// does not render) are findings. Files that cannot be read at all are returned as an
// error made of *FileError values, together with the report of everything else; a live
// read or a bad profile policy section fails the whole check.
func Check(ctx context.Context, in Inputs, opts Options) (Report, error) {
	ch, err := newChecker(opts)
	if err != nil {
		return Report{}, err
	}
	return ch.run(ctx, in)
}

// UnknownRuleError is a rule ID in the profile's policy section that no rule has.
type UnknownRuleError struct {
	// Setting is where the ID is: policy.disable or policy.severity.
	Setting string
	Rule    string
}

func (e *UnknownRuleError) Error() string {
	return fmt.Sprintf("%s: unknown rule %q", e.Setting, e.Rule)
}

type checker struct {
	opts     Options
	reg      *Registry
	enabled  []Rule
	severity map[string]Severity
	ignore   []*globPattern
	baseDir  string
	workers  int
}

func newChecker(opts Options) (*checker, error) {
	if len(opts.Rules) == 0 {
		return nil, errors.New("no rules to run: set Options.Rules, for example to rules.Builtin()")
	}
	all := slices.Clone(opts.Rules)
	for _, r := range InputRules() {
		if !slices.ContainsFunc(all, func(x Rule) bool { return x.ID == r.ID }) {
			all = append(all, r)
		}
	}
	reg, err := NewRegistry(all...)
	if err != nil {
		return nil, err
	}
	ch := &checker{opts: opts, reg: reg, severity: map[string]Severity{}, workers: opts.Workers}
	if ch.workers <= 0 {
		ch.workers = runtime.GOMAXPROCS(0)
	}
	pol := opts.Profile.Policy
	var problems []error
	for _, id := range pol.Disable {
		if _, ok := reg.Lookup(id); !ok {
			problems = append(problems, &UnknownRuleError{Setting: "policy.disable", Rule: id})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(pol.Severity)) {
		if _, ok := reg.Lookup(id); !ok {
			problems = append(problems, &UnknownRuleError{Setting: "policy.severity", Rule: id})
			continue
		}
		s, err := ParseSeverity(pol.Severity[id])
		if err != nil || s == SeverityNever {
			problems = append(problems, fmt.Errorf("policy.severity.%s: %q is not error, warning or info", id, pol.Severity[id]))
			continue
		}
		ch.severity[id] = s
	}
	for _, g := range pol.IgnorePaths {
		p, err := compileGlob(g)
		if err != nil {
			problems = append(problems, fmt.Errorf("policy.ignorePaths: %w", err))
			continue
		}
		ch.ignore = append(ch.ignore, p)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	for _, r := range reg.Rules() {
		if r.Check != nil && !slices.Contains(pol.Disable, r.ID) {
			ch.enabled = append(ch.enabled, r)
		}
	}
	if ch.baseDir, err = filepath.Abs(cmp.Or(opts.BaseDir, ".")); err != nil {
		return nil, err
	}
	return ch, nil
}

// display is the name findings show for an absolute path: relative to the base directory
// when it is below it, with forward slashes.
func (ch *checker) display(abs string) string {
	if rel, err := filepath.Rel(ch.baseDir, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

func (ch *checker) ignored(display string) bool {
	for _, p := range ch.ignore {
		if p.match(display) {
			return true
		}
	}
	return false
}

func (ch *checker) run(ctx context.Context, in Inputs) (Report, error) {
	files, sources, errs := ch.collect(in.Paths)
	objs, findings, readErrs := ch.load(ctx, files, in.Stdin)
	errs = append(errs, readErrs...)
	rep := Report{}
	rep.Summary.Files = len(files)

	c := newContext(&ch.opts.Profile)
	c.display = ch.display
	c.repo = findRepository(ch.opts, in.Paths, ch.baseDir)
	if in.Live != nil {
		live, err := loadLive(ctx, in.Live, c)
		if err != nil {
			return Report{}, err
		}
		objs = append(objs, live...)
	}
	c.index(objs)
	var rendered *render.Result
	if !ch.opts.NoRender {
		objs2, rf, res := ch.renderSources(ctx, c, objs, sources)
		findings = append(findings, rf...)
		objs = append(objs, objs2...)
		rendered = res
		c.index(objs)
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	// The admission chain judges all objects at once; the safeguard rules read its verdicts.
	af, err := ch.admit(ctx, c, in.Live, objs)
	if err != nil {
		return Report{}, err
	}
	findings = append(findings, af...)
	findings = append(findings, ch.checkObjects(c, objs)...)
	for i := range findings {
		ch.finish(&findings[i])
		if rendered.Tainted() {
			// Decrypted values are redacted from every message, whatever rule quoted them.
			f := &findings[i]
			f.Message, f.Remediation = rendered.Redact(f.Message), rendered.Redact(f.Remediation)
			f.SuppressReason = rendered.Redact(f.SuppressReason)
		}
	}
	sortFindings(findings)
	rep.Findings = findings
	rep.Summary.Objects = len(objs)
	rep.Count()
	return rep, errors.Join(errs...)
}

// finish applies the profile's severity overrides and fills in the remediation.
func (ch *checker) finish(f *Finding) {
	r, ok := ch.reg.Lookup(f.Rule)
	if s, over := ch.severity[f.Rule]; over {
		f.Severity = s
	} else if f.Severity == 0 && ok {
		f.Severity = r.Severity
	}
	if f.Remediation == "" && ok {
		f.Remediation, f.Fix = r.Remediation, r.Fix
	}
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Application, b.Application),
			cmp.Compare(a.Object.String(), b.Object.String()), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message))
	})
}

// collect expands the input paths into files. Directories that are a Helm chart or a
// Kustomize overlay are not read file by file; when such a directory is itself an input
// path it is rendered standalone (returned in sources).
func (ch *checker) collect(paths []string) ([]inputFile, []string, []error) {
	var files []inputFile
	var sources []string
	var errs []error
	seen := map[string]bool{}
	add := func(f inputFile) {
		if !seen[f.abs] {
			seen[f.abs] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		if p == "-" {
			add(inputFile{abs: "-", display: "<stdin>", stdin: true})
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			errs = append(errs, &FileError{File: p, Err: err})
			continue
		}
		st, err := os.Stat(abs)
		if err != nil {
			errs = append(errs, &FileError{File: p, Err: err})
			continue
		}
		if !st.IsDir() {
			add(inputFile{abs: abs, display: ch.display(abs)})
			continue
		}
		if isSourceDir(abs) != "" {
			sources = append(sources, abs)
			continue
		}
		err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, &FileError{File: ch.display(path), Err: err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			disp := ch.display(path)
			if d.IsDir() {
				if path != abs && (strings.HasPrefix(d.Name(), ".") || isSourceDir(path) != "") {
					return fs.SkipDir
				}
				if path != abs && ch.ignored(disp+"/") {
					return fs.SkipDir
				}
				return nil
			}
			if !manifestExt(d.Name()) || strings.HasPrefix(d.Name(), ".") || ch.ignored(disp) {
				return nil
			}
			add(inputFile{abs: path, display: disp})
			return nil
		})
		if err != nil {
			errs = append(errs, &FileError{File: p, Err: err})
		}
	}
	return files, sources, errs
}

// load reads and parses the files concurrently; the result keeps the files' order.
func (ch *checker) load(ctx context.Context, files []inputFile, stdin io.Reader) ([]*Object, []Finding, []error) {
	type result struct {
		objs     []*Object
		findings []Finding
		err      error
	}
	results := make([]result, len(files))
	parallel.Run(ctx, len(files), ch.workers, func(i int) {
		f := files[i]
		data, err := readFile(f, stdin, ch.opts.MaxFileSize)
		var tl errTooLarge
		switch {
		case errors.As(err, &tl):
			results[i].findings = []Finding{{Rule: RuleInvalidManifest, Severity: SeverityError, File: f.display,
				Message: fmt.Sprintf("file is %s, more than the %s limit; it is not checked",
					bytesize.Format(tl.size, "bytes"), bytesize.Format(ch.opts.MaxFileSize, "bytes")),
				Remediation: "Raise the file size limit if it really is a manifest.", Fix: fix.Fix{Op: fix.RaiseFileLimit}}}
		case err != nil:
			results[i].err = &FileError{File: f.display, Err: err}
		default:
			results[i].objs, results[i].findings = parseFile(f.display, data)
			for _, o := range results[i].objs {
				o.abs = f.abs
			}
		}
	})
	var objs []*Object
	var findings []Finding
	var errs []error
	for _, r := range results {
		objs = append(objs, r.objs...)
		findings = append(findings, r.findings...)
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	return objs, findings, errs
}

// checkObjects runs the enabled rules on every object, in parallel by chunks; findings
// keep the objects' order.
func (ch *checker) checkObjects(c *Context, objs []*Object) []Finding {
	const chunk = 256
	n := (len(objs) + chunk - 1) / chunk
	results := make([][]Finding, n)
	parallel.Run(context.Background(), n, ch.workers, func(i int) {
		end := min((i+1)*chunk, len(objs))
		var out []Finding
		for _, o := range objs[i*chunk : end] {
			out = ch.checkObject(c, o, out)
		}
		results[i] = out
	})
	var all []Finding
	for _, r := range results {
		all = append(all, r...)
	}
	return all
}

func (ch *checker) checkObject(c *Context, o *Object, out []Finding) []Finding {
	var ignore []string
	var reason string
	if ann := o.Map("metadata", "annotations"); ann != nil {
		if s, ok := ann[IgnoreAnnotation].(string); ok {
			for _, id := range strings.Split(s, ",") {
				ignore = append(ignore, strings.TrimSpace(id))
			}
			reason, _ = ann[IgnoreReasonAnnotation].(string)
		}
	}
	for i := range ch.enabled {
		r := &ch.enabled[i]
		if !r.applies(c, o) {
			continue
		}
		for _, v := range runRule(r, c, o) {
			f := Finding{Rule: cmp.Or(v.Rule, r.ID), Severity: cmp.Or(v.Severity, r.Severity), Message: v.Message,
				Remediation: v.Remediation, Fix: v.Fix, File: o.File, Line: o.Line, Object: o.Ref(), Application: o.Application}
			if v.Field != "" {
				f.Line = o.FieldLine(v.Field)
			}
			if slices.Contains(ignore, r.ID) || slices.Contains(ignore, f.Rule) || slices.Contains(ignore, "*") {
				f.Suppressed, f.SuppressReason = true, reason
			}
			out = append(out, f)
		}
	}
	return out
}

// runRule runs one rule, turning a panic into a finding so that one broken rule or odd
// object does not stop the check.
func runRule(r *Rule, c *Context, o *Object) (vs []Violation) {
	defer func() {
		if p := recover(); p != nil {
			vs = []Violation{{Message: fmt.Sprintf("rule %s failed on this object: %v", r.ID, p), Severity: SeverityError}}
		}
	}()
	return r.Check(c, o)
}
