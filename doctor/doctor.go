package doctor

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
)

// Options say what to look at.
type Options struct {
	Profile argocdmanaged.Profile
	// RepoDir is a checkout of the team's repository: its sops files are decrypted with
	// the live helm-secrets key to prove that the repo server could. Empty skips that part.
	RepoDir string
	// BackupURL is the backup store; empty means the profile's backup.to. Without either
	// the backup check is skipped.
	BackupURL string
	// BackupMaxAge is how old the newest backup may be; 0 means 26 hours (a daily backup
	// with slack).
	BackupMaxAge time.Duration
	// ArgoCDConfig is the Argo CD CLI's config file, read for the Dex login symptom; empty
	// skips that check.
	ArgoCDConfig string
	// Only limits the run to these checks (see Checks); empty runs all.
	Only []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Status is how a check ended.
type Status string

// The statuses of a check.
const (
	StatusOK       Status = "ok"
	StatusProblems Status = "problems"
	StatusSkipped  Status = "skipped"
)

// CheckResult is one check's outcome, for the summary a person reads first.
type CheckResult struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail says what was looked at, or why the check was skipped.
	Detail string `json:"detail"`
	// Findings are what this check found; Result.Report holds those of every check, so
	// JSON output lists them once, there.
	Findings []policy.Finding `json:"-"`
}

// Fix is a change the doctor can make itself to mend a finding.
type Fix struct {
	Rule        string           `json:"rule"`
	Object      policy.ObjectRef `json:"object"`
	Description string           `json:"description"`
	apply       func(context.Context) error
}

// Apply makes the change.
func (f Fix) Apply(ctx context.Context) error {
	if err := f.apply(ctx); err != nil {
		return fmt.Errorf("fixing %s: %w", f.Object, err)
	}
	return nil
}

// Result is what the doctor found.
type Result struct {
	Checks []CheckResult `json:"checks"`
	Report policy.Report `json:"report"`
	Fixes  []Fix         `json:"fixes"`
}

// Check is one area the doctor looks at, in the shape of policy.Rule: data that says what
// it is, and a function that finds what is wrong. Where a policy.Rule looks at one object,
// a check looks at one area of the live environment and may report under several rule IDs;
// its findings are policy.Findings, so they print with policy check's report writers.
//
// A Check is a probe, not a rule: it reads the environment and emits findings, and the
// findings it emits are of the rules in Rules (their IDs are the Rule constants), which
// describe them for reports and documentation. The notifications and applications checks
// also pass on the findings of notify.Lint and policy.Check, under those packages' rules.
type Check struct {
	// Name is what Options.Only takes and the summary line shows.
	Name string
	// Summary says in one line what the check makes sure of.
	Summary string
	// Run finds what is wrong.
	Run CheckFunc
}

// CheckFunc runs one check: it reads the cluster through e.Clients, as e.Options say,
// appends what it finds to e.Findings and what the doctor can mend to e.Fixes, and returns
// the detail line of the check's summary, with skipped set when the check does not apply
// (a feature the profile does not enable, no backup store configured).
type CheckFunc func(ctx context.Context, e *Env) (detail string, skipped bool)

// Checks lists the doctor's checks in the order they run.
func Checks() []Check {
	return []Check{
		accessCheck, helmSecretsCheck, valsCheck, sealedSecretsCheck,
		notificationsCheck, applicationsCheck, backupCheck, dexCheck,
	}
}

// Env is the state one doctor run shares between its checks.
type Env struct {
	// Clients are the user's clients: every check reads with the user's identity.
	Clients *argocdmanaged.Clients
	// Options are those Run was called with, defaults filled in.
	Options Options
	// Now is the time of the run, the same for every check.
	Now time.Time
	// Findings are what the checks found so far, in order.
	Findings []policy.Finding
	// Fixes are what the checks offer to mend so far.
	Fixes []Fix
}

func (r *Env) add(f policy.Finding) { r.Findings = append(r.Findings, f) }

// Run runs the checks against the cluster of c. An error is returned only when the cluster
// cannot be asked at all; everything else is a finding.
func Run(ctx context.Context, c *argocdmanaged.Clients, opts Options) (*Result, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if opts.BackupMaxAge == 0 {
		opts.BackupMaxAge = 26 * time.Hour
	}
	if err := probe(ctx, c, opts.Profile); err != nil {
		return nil, err
	}
	r := &Env{Clients: c, Options: opts, Now: now()}
	res := &Result{}
	for _, chk := range Checks() {
		if len(opts.Only) > 0 && !slices.Contains(opts.Only, chk.Name) {
			continue
		}
		before := len(r.Findings)
		detail, skipped := chk.Run(ctx, r)
		status := StatusOK
		switch {
		case skipped:
			status = StatusSkipped
		case len(r.Findings) > before:
			status = StatusProblems
		}
		res.Checks = append(res.Checks, CheckResult{Name: chk.Name, Status: status, Detail: detail,
			Findings: slices.Clone(r.Findings[before:])})
	}
	res.Report = policy.Report{Findings: r.Findings}
	res.Report.Count()
	res.Fixes = r.Fixes
	return res, nil
}

// probe makes one request that any identity can make, so that an unreachable cluster or
// rejected credentials end the run with one error instead of a finding per check.
func probe(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile) error {
	return c.Reach(ctx)
}

// CheckNames are the names Options.Only accepts.
func CheckNames() []string {
	var out []string
	for _, c := range Checks() {
		out = append(out, c.Name)
	}
	return out
}
