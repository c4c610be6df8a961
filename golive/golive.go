package golive

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/policy"
)

// Status is how a checklist item stands.
type Status string

// The statuses of an item.
const (
	StatusPass       Status = "pass"
	StatusFail       Status = "fail"
	StatusNeedsHuman Status = "needs-a-human"
)

// Item is one line of the go-live checklist.
type Item struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Section is the checklist heading the item belongs to.
	Section string `json:"section"`
	Status  Status `json:"status"`
	// Evidence says what was looked at.
	Evidence string `json:"evidence"`
	// Todo says what a person must do, for needs-a-human items and failures.
	Todo     string           `json:"todo,omitempty"`
	Findings []policy.Finding `json:"findings,omitempty"`
	// Step, when set, says that the Todo (and, for StepExportAndSchedule, the Evidence) is
	// work a tool can name as its own commands: a plugin spells it out in its words.
	Step Step `json:"-"`
}

// Step is work in an item's Todo that the tool running the checklist can do.
type Step string

// The steps a tool can spell out.
const (
	// StepRestoreDrill is restoring a backup into a scratch environment, first as a
	// server-side dry run.
	StepRestoreDrill Step = "restore-drill"
	// StepExportAndSchedule is exporting a first backup and scheduling the export, when no
	// backup store was given.
	StepExportAndSchedule Step = "export-and-schedule"
	// StepExportAndVerify is exporting a new backup and verifying it.
	StepExportAndVerify Step = "export-and-verify"
	// StepLive is running the checklist on the cluster's workloads too.
	StepLive Step = "live"
)

// Checklist is the go-live report.
type Checklist struct {
	Items []Item `json:"items"`
	// Report holds every finding of the failed items, and what could not be read. Its
	// summary counts the manifest files read, and the objects of those files (rendered
	// ones included) and of the cluster.
	Report policy.Report `json:"report"`
	// Read says what the checklist was computed from.
	Read Read `json:"read"`
}

// Read is what a checklist looked at.
type Read struct {
	// Files and Objects are the manifest files read and the objects in them, the
	// Applications' rendered objects included.
	Files   int `json:"files"`
	Objects int `json:"objects"`
	// LiveNamespaces are the namespaces whose workloads were read with --live, and
	// LiveObjects the Deployments, StatefulSets, DaemonSets, PodDisruptionBudgets and
	// PersistentVolumeClaims found there.
	LiveNamespaces []string `json:"liveNamespaces,omitempty"`
	LiveObjects    int      `json:"liveObjects"`
}

// Inputs are what the checklist looks at.
type Inputs struct {
	// Paths are manifests, as policy check reads them (Applications' sources rendered).
	Paths []string
	// Live, when set, adds the workloads of the managed namespaces of the cluster.
	Live *argocdmanaged.Clients
	// BackupURL is the store of the team's Argo CD backups; empty leaves the backup item
	// to a person.
	BackupURL string
}

// Options tune the run.
type Options struct {
	Profile argocdmanaged.Profile
	// Policy are the options of the manifest loader; its Profile and Rules are set by Run.
	Policy policy.Options
}

// Run computes the checklist.
func Run(ctx context.Context, in Inputs, opts Options) (*Checklist, error) {
	f := &facts{}
	cl := &Checklist{}
	if len(in.Paths) > 0 {
		po := opts.Policy
		po.Profile = opts.Profile
		po.Rules = append(policy.InputRules(), f.collectRules()...)
		rep, err := policy.Check(ctx, policy.Inputs{Paths: in.Paths}, po)
		if err != nil {
			return nil, fmt.Errorf("reading manifests: %w", err)
		}
		if err := checkInput(in.Paths, &rep); err != nil {
			return nil, err
		}
		cl.Report.Findings = append(cl.Report.Findings, rep.Findings...)
		cl.Read.Files, cl.Read.Objects = rep.Summary.Files, rep.Summary.Objects
	}
	if in.Live != nil {
		// Reached first: with no managed namespace to list, nothing else would contact the
		// cluster, and the live items would be judged on nothing.
		if err := in.Live.Reach(ctx); err != nil {
			return nil, err
		}
		if len(opts.Profile.Namespaces.Managed) == 0 {
			return nil, ErrNoManagedNamespaces
		}
		if err := f.readLive(ctx, in.Live, opts.Profile); err != nil {
			return nil, err
		}
		cl.Read.LiveNamespaces = slices.Clone(opts.Profile.Namespaces.Managed)
		cl.Read.LiveObjects = f.liveObjects
	}
	b := builder{f: f, live: in.Live != nil}
	cl.Items = append(cl.Items,
		b.human("load-test", "Load test", "Load test at the expected peak, watching latency and error rates."),
		b.rollingUpdate(),
		b.human("load-test-updating", "Load test while updating", "Run the load test again while a new version rolls out; no request may fail."),
		b.requestsLimits(),
		b.replicas(),
		b.spread(),
		b.pdbs(),
		b.human("load-test-node-reboot", "Load test during a rolling node reboot", "Ask the Platform Administrator for a rolling node reboot during a load test; no request may fail."),
		b.zones(),
		b.persistentData(),
		b.backups(ctx, in.BackupURL, opts.Profile),
		b.restoreDrill(),
		b.fromGit(),
		b.human("redeploy", "Redeployment from scratch", "Delete the Applications' workloads in a test environment and let Argo CD deploy them again from git."),
	)
	for _, it := range cl.Items {
		cl.Report.Findings = append(cl.Report.Findings, it.Findings...)
	}
	cl.Report.Summary.Files = cl.Read.Files
	cl.Report.Summary.Objects = cl.Read.Objects + cl.Read.LiveObjects
	cl.Report.Count()
	return cl, nil
}

type builder struct {
	f    *facts
	live bool
}

func (b builder) human(id, title, todo string) Item {
	return Item{ID: id, Title: title, Section: section(id), Status: StatusNeedsHuman, Evidence: "cannot be seen in manifests or the cluster", Todo: todo}
}

func (b builder) restoreDrill() Item {
	it := b.human("restore-drill", "Disaster recovery drill", "Restore the Argo CD objects from a backup into a scratch environment, first as a server-side dry run, then for real, and restore your data; time it against the RTO.")
	it.Step = StepRestoreDrill
	return it
}

func section(id string) string {
	switch id {
	case "load-test":
		return "Load test"
	case "rolling-update", "load-test-updating":
		return "Load test while updating"
	case "requests-limits", "replicas", "spread", "pdb", "load-test-node-reboot":
		return "Load test during a rolling node reboot"
	case "zones":
		return "Zone failure"
	case "persistent-data", "backups", "restore-drill":
		return "Disaster recovery test"
	}
	return "Redeployment from scratch"
}

// check builds an item from the workloads that fail a test. noun names the workloads the
// test applies to ("Deployments"), and failing says what the failing ones do ("use
// strategy Recreate"), for the evidence line: "Deployments: 1 of 3 use strategy Recreate".
func (b builder) check(id, title, noun, failing string, sev policy.Severity, applies func(workload) bool, fails func(workload) string, todo string) Item {
	it := Item{ID: id, Title: title, Section: section(id)}
	n := 0
	for _, w := range b.f.workloads {
		if !applies(w) {
			continue
		}
		n++
		if msg := fails(w); msg != "" {
			it.Findings = append(it.Findings, policy.Finding{Rule: "golive-" + id, Severity: sev, Message: msg, Remediation: todo,
				File: w.file, Line: w.line, Object: w.ref, Application: w.application})
		}
	}
	switch {
	case n == 0:
		it.Status, it.Evidence, it.Todo = StatusNeedsHuman, "no workloads found to check", "check with your manifests: "+todo
	case len(it.Findings) > 0:
		it.Status, it.Evidence, it.Todo = StatusFail, fmt.Sprintf("%s: %d of %d %s", noun, len(it.Findings), n, failing), todo
	default:
		it.Status, it.Evidence = StatusPass, fmt.Sprintf("%s: %d checked, all pass", noun, n)
	}
	return it
}

func all(workload) bool { return true }

func (b builder) rollingUpdate() Item {
	return b.check("rolling-update", "Deployments update with RollingUpdate, not Recreate", "Deployments", "use strategy Recreate", policy.SeverityError,
		func(w workload) bool { return w.kind == "Deployment" },
		func(w workload) string {
			if w.strategy == "Recreate" {
				return "strategy Recreate stops every pod before starting new ones: the service is down during each update"
			}
			return ""
		}, "use strategy type RollingUpdate")
}

func (b builder) requestsLimits() Item {
	return b.check("requests-limits", "Every container has cpu and memory requests and a memory limit", "workloads", "have a container without them", policy.SeverityError, all,
		func(w workload) string { return strings.Join(w.missing, "; ") },
		"set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container")
}

func (b builder) replicas() Item {
	return b.check("replicas", "Deployments and StatefulSets run at least 2 replicas", "Deployments and StatefulSets", "run fewer than 2 replicas", policy.SeverityError,
		func(w workload) bool { return w.replicas >= 0 },
		func(w workload) string {
			if w.replicas < 2 {
				return fmt.Sprintf("%d replica: a node reboot takes the service down", w.replicas)
			}
			return ""
		}, "run at least 2 replicas")
}

func (b builder) spread() Item {
	return b.check("spread", "Pods spread over nodes", "workloads", "do not spread over nodes", policy.SeverityWarning,
		func(w workload) bool { return w.replicas != 0 && w.kind != "DaemonSet" },
		func(w workload) string {
			if !w.spread && !w.antiAffinity {
				return "no topologySpreadConstraints or podAntiAffinity: all replicas may land on one node"
			}
			return ""
		}, "add topologySpreadConstraints over kubernetes.io/hostname")
}

func (b builder) pdbs() Item {
	return b.check("pdb", "PodDisruptionBudgets cover the workloads", "workloads", "have no PodDisruptionBudget", policy.SeverityWarning,
		func(w workload) bool { return w.kind != "DaemonSet" },
		func(w workload) string {
			if !b.f.covered(w) {
				return "no PodDisruptionBudget selects its pods: a node drain may evict them all at once"
			}
			return ""
		}, "add a PodDisruptionBudget that allows one disruption")
}

func (b builder) zones() Item {
	it := b.check("zones", "Pods spread over zones (multi-zone environments only)", "workloads", "do not spread over zones", policy.SeverityInfo,
		func(w workload) bool { return w.kind != "DaemonSet" },
		func(w workload) string {
			if !w.zoneSpread {
				return "no topologySpreadConstraints over topology.kubernetes.io/zone"
			}
			return ""
		}, "in a multi-zone environment, spread over topology.kubernetes.io/zone, then test a zone failure with the Platform Administrator")
	if it.Status != StatusPass {
		it.Status = StatusNeedsHuman
		it.Todo = "if the environment has several zones: spread over topology.kubernetes.io/zone and test a zone failure with the Platform Administrator"
	}
	return it
}

func (b builder) persistentData() Item {
	it := Item{ID: "persistent-data", Title: "Data in PersistentVolumes is part of the recovery test", Section: section("persistent-data")}
	n := b.f.pvcs
	for _, w := range b.f.workloads {
		if w.persistent {
			n++
		}
	}
	if n == 0 {
		it.Status, it.Evidence = StatusNeedsHuman, "no PersistentVolumeClaims found"
		it.Todo = "if your data lives in a managed database, test restoring it from its backup"
		return it
	}
	it.Status, it.Evidence = StatusNeedsHuman, fmt.Sprintf("%d PersistentVolumeClaims or claim templates found", n)
	it.Todo = "test restoring the volumes' data from the platform's backups with the Platform Administrator"
	return it
}

func (b builder) backups(ctx context.Context, url string, p argocdmanaged.Profile) Item {
	it := Item{ID: "backups", Title: "The team's Argo CD objects are backed up and the newest backup verifies", Section: section("backups")}
	if url == "" {
		url = p.Backup.To
	}
	if url == "" {
		it.Status, it.Evidence = StatusNeedsHuman, "no backup store given (Inputs.BackupURL or the profile's backup.to)"
		it.Todo, it.Step = "export the Argo CD objects into a backup store and schedule the export", StepExportAndSchedule
		return it
	}
	fail := func(msg string) Item {
		it.Status, it.Evidence, it.Todo, it.Step = StatusFail, msg, "export a new backup, then verify it", StepExportAndVerify
		it.Findings = []policy.Finding{{Rule: "golive-backups", Severity: policy.SeverityError, Message: msg,
			Object: policy.ObjectRef{Kind: "BackupStore", Name: store.Redact(url)}}}
		return it
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		return fail(err.Error())
	}
	defer st.Close()
	list, err := st.List(ctx)
	if err != nil {
		return fail(err.Error())
	}
	if len(list) == 0 {
		return fail("the backup store holds no backup")
	}
	newest := list[0]
	for _, x := range list[1:] {
		if x.Modified.After(newest.Modified) {
			newest = x
		}
	}
	res, err := backup.Verify(ctx, st, newest.Name, backup.VerifyOptions{Profile: p})
	if err != nil {
		return fail(fmt.Sprintf("backup %s does not verify: %v", newest.Name, err))
	}
	it.Status, it.Evidence = StatusPass, fmt.Sprintf("newest backup %s verifies (%d objects)", newest.Name, res.Objects)
	return it
}

func (b builder) fromGit() Item {
	if !b.live {
		it := b.human("from-git", "Everything is deployed by Argo CD from git", "check the cluster's workloads too, to find workloads that Argo CD does not manage")
		it.Section, it.Step = section("from-git"), StepLive
		return it
	}
	return b.check("from-git", "Everything is deployed by Argo CD from git", "workloads", "are not managed by an Argo CD Application", policy.SeverityWarning, all,
		func(w workload) string {
			if !w.trackedByArgo {
				return "not managed by any Argo CD Application: it would be lost in a redeployment from scratch"
			}
			return ""
		}, "put its manifest in git and deploy it with an Application")
}
