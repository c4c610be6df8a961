package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// Actions a restore reports per object.
const (
	ActionCreated = "created"
	ActionUpdated = "updated"
	ActionSkipped = "skipped"
	ActionDeleted = "deleted"
	ActionFailed  = "failed"
)

// resourcesFinalizers make Argo CD delete an Application's workloads with it; a prune
// removes them first so that no workload is deleted by cascade.
var resourcesFinalizers = []string{
	"resources-finalizer.argocd.argoproj.io",
	"resources-finalizer.argocd.argoproj.io/background",
	"resources-finalizer.argocd.argoproj.io/foreground",
}

// RestoreOptions say what to restore and how.
type RestoreOptions struct {
	Profile    argocdmanaged.Profile
	Identities []age.Identity
	// RequireSignature refuses, before anything is applied, a backup that is not signed or
	// whose signature the Identities cannot check.
	RequireSignature bool
	// DryRun is argocdmanaged.DryRunNone, DryRunClient (nothing is sent that changes the
	// cluster) or DryRunServer (writes are sent with dryRun=All).
	DryRun argocdmanaged.DryRun
	// Only restricts the restore to these objects, as KIND/NAME (kinds as in Kinds, case
	// insensitive, plural or singular).
	Only []string
	// Overwrite replaces existing objects (server-side apply with force); without it they
	// are left alone and reported as skipped.
	Overwrite bool
	// Prune deletes in-scope live objects missing from the backup, after ConfirmPrune
	// agrees.
	Prune bool
	// ConfirmPrune is asked with the objects a prune would delete; nil refuses to prune.
	ConfirmPrune func(ctx context.Context, refs []string) (bool, error)
	// GuardTimeout is how long the restore waits for the Applications that guarded
	// ApplicationSets generated before it returns ErrGuardPending; 0 means
	// DefaultGuardTimeout.
	GuardTimeout time.Duration
	// Workers is the number of concurrent API requests; 0 means 16.
	Workers  int
	Progress Progress

	// bind holds the name and manifest copy Restore binds the archive to.
	bind *archive.ReadOptions
}

// ObjectResult is what a restore did with one object.
type ObjectResult struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Action  string `json:"action"`
	Message string `json:"message,omitempty"`
}

// RestoreResult is what a restore did. Seconds is the time from start to end: the team's
// measured recovery time for its Argo CD objects.
type RestoreResult struct {
	Name     string               `json:"name"`
	DryRun   argocdmanaged.DryRun `json:"dryRun,omitempty"`
	Created  int                  `json:"created"`
	Updated  int                  `json:"updated"`
	Skipped  int                  `json:"skipped"`
	Deleted  int                  `json:"deleted"`
	Failed   int                  `json:"failed"`
	Seconds  float64              `json:"seconds"`
	Objects  []ObjectResult       `json:"objects"`
	Warnings []string             `json:"warnings,omitempty"`
}

func (r *RestoreResult) add(o ObjectResult) {
	r.Objects = append(r.Objects, o)
	switch o.Action {
	case ActionCreated:
		r.Created++
	case ActionUpdated:
		r.Updated++
	case ActionSkipped:
		r.Skipped++
	case ActionDeleted:
		r.Deleted++
	case ActionFailed:
		r.Failed++
	}
}

// ErrRestoreFailed is a restore in which some objects failed; the result says which.
var ErrRestoreFailed = errors.New("some objects were not restored")

// Restore applies backup name from st to the cluster, refusing an archive that is not the
// one of that name or differs from the manifest copy beside it. See RestoreArchive.
func Restore(ctx context.Context, c *argocdmanaged.Clients, st *store.Store, name string, opts RestoreOptions) (*RestoreResult, error) {
	info, err := st.Stat(ctx, name)
	if err != nil {
		return nil, err
	}
	opts.bind = &archive.ReadOptions{Name: name, Manifest: info.Manifest.Bytes()}
	res, err := RestoreArchive(ctx, c, func(ctx context.Context) (io.ReadCloser, error) { return st.Open(ctx, name) }, opts)
	if res != nil && res.Name == "" {
		res.Name = name
	}
	return res, err
}

// RestoreArchive reads the archive twice: first completely, to verify it (integrity,
// checksums, decryption, scope, parsing: anything wrong refuses the restore before
// anything is applied), then to apply it in the order Secrets and ConfigMaps,
// AppProjects, Applications, ApplicationSets, with server-side apply. Existing objects
// are skipped unless Overwrite. Restored Applications carry no operation. ApplicationSets
// whose policy lets them delete apps come back guarded (GuardAnnotation) with
// create-update, so that they cannot delete apps on the way in; once the Applications they
// generated exist, their backed-up spec is put back (ErrGuardPending after GuardTimeout,
// see Finish). Running it again after an interruption finishes the job, guards included. On an interruption (the API server gone, the context cancelled) the partial
// result is returned with the error.
func RestoreArchive(ctx context.Context, c *argocdmanaged.Clients, open func(context.Context) (io.ReadCloser, error), opts RestoreOptions) (*RestoreResult, error) {
	start := time.Now()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	only, err := parseOnly(opts.Only)
	if err != nil {
		return nil, err
	}
	scope := Scope{Profile: opts.Profile}
	progress := progressOr(opts.Progress)
	ro := archive.ReadOptions{Identities: opts.Identities, RequireSignature: opts.RequireSignature}
	if opts.bind != nil {
		ro.Name, ro.Manifest = opts.bind.Name, opts.bind.Manifest
	}

	r, err := open(ctx)
	if err != nil {
		return nil, err
	}
	m, problems, err := verifyArchive(r, scope, ro, progress)
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("refusing to restore: %w", err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("refusing to restore: %w: %s", ErrInvalidBackup, strings.Join(problems, "; "))
	}
	inBackup := map[string]bool{}
	for _, e := range m.Objects {
		inBackup[e.Ref()] = true
	}
	for ref := range only {
		if !inBackup[ref] {
			return nil, &ObjectNotInBackupError{Ref: ref, Backup: m.Name}
		}
	}

	rs := &restorer{c: c, opts: opts, scope: scope, progress: progress, res: &RestoreResult{Name: m.Name, DryRun: opts.DryRun}, guards: newGuards(m)}
	if err := rs.loadLive(ctx); err != nil {
		return nil, err
	}
	total := len(m.Objects)
	if len(only) > 0 {
		total = len(only)
	}
	rs.total = total

	// Whatever a prune would delete is confirmed before anything is applied, so that a
	// "no" leaves the cluster as it was.
	var victims []victim
	if opts.Prune {
		if victims, err = rs.pruneCandidates(ctx, inBackup); err != nil {
			return nil, err
		}
	}

	r, err = open(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	err = rs.apply(ctx, r, m, ro, only)
	if err == nil && opts.DryRun == argocdmanaged.DryRunNone {
		err = rs.release(ctx, rs.guards)
	}
	if err == nil && len(victims) > 0 {
		err = rs.prune(ctx, victims)
	}
	slices.SortStableFunc(rs.res.Objects, func(a, b ObjectResult) int {
		if d := archive.KindRank(a.Kind) - archive.KindRank(b.Kind); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	rs.res.Seconds = time.Since(start).Seconds()
	if err != nil {
		return rs.res, err
	}
	if rs.res.Failed > 0 {
		return rs.res, fmt.Errorf("%w: %d of %d failed", ErrRestoreFailed, rs.res.Failed, total)
	}
	return rs.res, nil
}

// parseOnly turns KIND/NAME arguments into refs "Kind/name".
func parseOnly(args []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, a := range args {
		k, name, ok := strings.Cut(a, "/")
		kind := canonicalKind(k)
		if !ok || name == "" || kind == "" {
			return nil, &InvalidObjectRefError{Ref: a}
		}
		out[kind+"/"+name] = true
	}
	return out, nil
}

func canonicalKind(s string) string {
	l := strings.ToLower(s)
	for _, k := range archive.Kinds {
		lk := strings.ToLower(k)
		if l == lk || l == lk+"s" {
			return k
		}
	}
	switch l {
	case "app", "apps":
		return "Application"
	case "appset", "appsets":
		return "ApplicationSet"
	case "appproj", "appprojs", "project", "projects":
		return "AppProject"
	case "cm", "configmaps":
		return "ConfigMap"
	}
	return ""
}

type liveObject struct {
	labels     map[string]string
	finalizers []string
	// guarded says whether an ApplicationSet carries GuardAnnotation.
	guarded bool
}

type restorer struct {
	c        *argocdmanaged.Clients
	opts     RestoreOptions
	scope    Scope
	progress Progress
	total    int

	// live holds the names of existing objects per kind; nil for a kind the user may
	// not list, whose objects are then checked one by one.
	live map[string]map[string]liveObject

	mu   sync.Mutex
	res  *RestoreResult
	done int

	// guards are the ApplicationSets applied with a guard, released after the apply.
	guards *guards
}

// loadLive lists the existing objects' metadata only (names, labels, finalizers), so that
// a restore of thousands of objects needs no read per object.
func (rs *restorer) loadLive(ctx context.Context) error {
	rs.live = map[string]map[string]liveObject{}
	if rs.c.Config == nil {
		// Clients without a REST config (an embedder's own): check object by object.
		return nil
	}
	mc, err := metadata.NewForConfig(rs.c.Config)
	if err != nil {
		return fmt.Errorf("building metadata client: %w", err)
	}
	ns := rs.scope.Namespace()
	for _, k := range kinds {
		names := map[string]liveObject{}
		opts := metav1.ListOptions{Limit: 2000}
		for {
			list, err := mc.Resource(k.GVR).Namespace(ns).List(ctx, opts)
			if apierrors.IsForbidden(err) {
				names = nil
				break
			}
			if err != nil {
				return rs.c.Explain(err, "list", k.GVR, ns, "")
			}
			for _, it := range list.Items {
				_, guarded := it.Annotations[GuardAnnotation]
				names[it.Name] = liveObject{labels: it.Labels, finalizers: it.Finalizers, guarded: guarded}
			}
			if list.Continue == "" {
				break
			}
			opts.Continue = list.Continue
		}
		rs.live[k.Kind] = names
	}
	return nil
}

// apply replays the archive, applying each phase with a pool of workers and waiting for
// a phase to finish before the next starts.
func (rs *restorer) apply(ctx context.Context, r io.Reader, m *archive.Manifest, ro archive.ReadOptions, only map[string]bool) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := rs.opts.Workers
	if workers <= 0 {
		workers = 16
	}
	jobs := make(chan *unstructured.Unstructured, workers)
	var wg sync.WaitGroup
	startPool := func() {
		for range workers {
			wg.Go(func() {
				for u := range jobs {
					if ctx.Err() != nil {
						continue
					}
					o, fatal := rs.applyOne(ctx, u)
					if fatal != nil {
						cancel(fatal)
						continue
					}
					rs.record(o)
				}
			})
		}
	}
	phase := -1
	startPool()
	err := archive.Replay(r, m, ro, func(o archive.Object) error {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		if len(only) > 0 && !only[o.Ref()] {
			return nil
		}
		k, _ := kindOf(o.Kind)
		if k.Phase != phase {
			// Everything of the previous phase is applied before this one starts.
			close(jobs)
			wg.Wait()
			if err := context.Cause(ctx); err != nil {
				return err
			}
			jobs = make(chan *unstructured.Unstructured, workers)
			startPool()
			phase = k.Phase
		}
		u, problem := decodeObject(o, rs.scope)
		if problem != "" {
			return fmt.Errorf("%w: %s", ErrInvalidBackup, problem)
		}
		select {
		case jobs <- u:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(jobs)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause
	} else if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("restore interrupted after %d of %d objects (run the same restore again to finish it): %w", rs.done, rs.total, err)
	}
	return nil
}

func (rs *restorer) record(o ObjectResult) {
	rs.mu.Lock()
	rs.res.add(o)
	rs.done++
	done := rs.done
	rs.mu.Unlock()
	if done%50 == 0 || done == rs.total {
		rs.progress.Update("restore", done, rs.total)
	}
}

// prepare makes an archive object ready to apply. An ApplicationSet whose policy lets it
// delete apps gets the guard (see GuardAnnotation); spec is an ApplicationSet's
// backed-up spec.
func (rs *restorer) prepare(u *unstructured.Unstructured) (note string, spec any, guarded bool) {
	Clean(u)
	u.SetNamespace(rs.scope.Namespace())
	if u.GetKind() != "ApplicationSet" {
		return "", nil, false
	}
	spec = runtime.DeepCopyJSONValue(u.Object["spec"])
	if !guard(u) {
		return "", spec, false
	}
	return "guarded with applicationsSync create-update until its generated Applications exist", spec, true
}

// applyOne applies one object. The second result is an error that stops the whole
// restore (the API server cannot be reached, the context ended); others are reported
// per object.
func (rs *restorer) applyOne(ctx context.Context, u *unstructured.Unstructured) (ObjectResult, error) {
	k, _ := kindOf(u.GetKind())
	note, spec, guarded := rs.prepare(u)
	o := ObjectResult{Kind: k.Kind, Name: u.GetName()}
	ns := rs.scope.Namespace()
	res := rs.c.Dynamic.Resource(k.GVR).Namespace(ns)

	exists, known := false, false
	if live := rs.live[k.Kind]; live != nil {
		_, exists = live[u.GetName()]
		known = true
	} else {
		_, err := res.Get(ctx, u.GetName(), metav1.GetOptions{})
		switch {
		case err == nil:
			exists, known = true, true
		case apierrors.IsNotFound(err):
			known = true
		case apierrors.IsForbidden(err):
			// The user may create but not read it: create, and take "already exists"
			// as the answer.
		default:
			return rs.fail(o, "get", k, err)
		}
	}
	if exists && !rs.opts.Overwrite {
		o.Action, o.Message = ActionSkipped, MessageExists
		if live := rs.live[k.Kind]; live != nil && live[u.GetName()].guarded && rs.opts.DryRun == argocdmanaged.DryRunNone && rs.guards != nil {
			// Guarded by an earlier run of this restore that stopped before releasing it.
			o.Message = "exists, guarded by an earlier run"
			rs.guards.add(u.GetName(), spec)
		}
		return o, nil
	}
	action := ActionCreated
	if exists {
		action = ActionUpdated
	}
	if rs.opts.DryRun == argocdmanaged.DryRunClient {
		o.Action, o.Message = action, joinNotes("dry run", note)
		return o, nil
	}
	dryRun := rs.opts.DryRun.APIOption()
	var err error
	if known {
		applied, err := res.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: rs.c.Manager(), Force: true, DryRun: dryRun})
		if err != nil {
			return rs.fail(o, "patch", k, err)
		}
		if _, stale := applied.Object["operation"]; stale && k.Kind == "Application" {
			// An operation set by someone else survives an apply; a restored Application
			// must not sync because of the restore.
			_, err = res.Patch(ctx, u.GetName(), types.MergePatchType, []byte(`{"operation":null}`), metav1.PatchOptions{FieldManager: rs.c.Manager(), DryRun: dryRun})
			if err != nil {
				return rs.fail(o, "patch", k, err)
			}
			note = joinNotes(note, "pending operation removed")
		}
	} else {
		_, err = res.Create(ctx, u, metav1.CreateOptions{FieldManager: rs.c.Manager(), DryRun: dryRun})
		if apierrors.IsAlreadyExists(err) {
			o.Action, o.Message = ActionSkipped, "exists; you may not read it, so it was left alone"
			return o, nil
		}
		if err != nil {
			return rs.fail(o, "create", k, err)
		}
	}
	o.Action, o.Message = action, note
	if rs.opts.DryRun == argocdmanaged.DryRunServer {
		o.Message = joinNotes("dry run", note)
	} else if guarded && rs.guards != nil {
		rs.guards.add(u.GetName(), spec)
	}
	return o, nil
}

func joinNotes(a, b string) string {
	switch {
	case b == "":
		return a
	case a == "":
		return b
	}
	return a + "; " + b
}

// fail reports a failed object, or returns a fatal error when going on is pointless.
func (rs *restorer) fail(o ObjectResult, verb string, k kindInfo, err error) (ObjectResult, error) {
	explained := rs.c.Explain(err, verb, k.GVR, rs.scope.Namespace(), o.Name)
	var ce *argocdmanaged.ConnectionError
	if errors.As(explained, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return o, explained
	}
	o.Action, o.Message = ActionFailed, explained.Error()
	return o, nil
}

type victim struct {
	k    kindInfo
	name string
	obj  liveObject
}

// pruneCandidates are the in-scope live objects that are not in the backup, in the
// order a prune deletes them: ApplicationSets (orphaning the apps they generated),
// Applications, AppProjects, then Secrets and ConfigMaps. It asks ConfirmPrune (not in a
// dry run) and returns nothing when the answer is no.
func (rs *restorer) pruneCandidates(ctx context.Context, inBackup map[string]bool) ([]victim, error) {
	ns := rs.scope.Namespace()
	var refs []string
	var victims []victim
	for i := len(kinds) - 1; i >= 0; i-- {
		k := kinds[i]
		live := rs.live[k.Kind]
		if live == nil {
			rs.res.Warnings = append(rs.res.Warnings, fmt.Sprintf("%ss were not pruned: you may not list %ss in namespace %s", k.Kind, strings.ToLower(k.Kind), ns))
			continue
		}
		names := make([]string, 0, len(live))
		for n := range live {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			probe := &unstructured.Unstructured{}
			probe.SetAPIVersion(k.APIVersion)
			probe.SetKind(k.Kind)
			probe.SetNamespace(ns)
			probe.SetName(n)
			probe.SetLabels(live[n].labels)
			if rs.scope.Check(probe) != "" || inBackup[k.Kind+"/"+n] {
				continue
			}
			refs = append(refs, k.Kind+"/"+n)
			victims = append(victims, victim{k, n, live[n]})
		}
	}
	if len(victims) == 0 || rs.opts.DryRun != argocdmanaged.DryRunNone {
		return victims, nil
	}
	if rs.opts.ConfirmPrune == nil {
		return nil, fmt.Errorf("pruning %d objects needs confirmation", len(victims))
	}
	ok, err := rs.opts.ConfirmPrune(ctx, refs)
	if err != nil {
		return nil, err
	}
	if !ok {
		rs.res.Warnings = append(rs.res.Warnings, fmt.Sprintf("prune of %d objects not confirmed; nothing deleted", len(victims)))
		return nil, nil
	}
	return victims, nil
}

// prune deletes the confirmed victims. Argo CD's resources finalizers are removed first
// so that no workload is deleted by cascade.
func (rs *restorer) prune(ctx context.Context, victims []victim) error {
	ns := rs.scope.Namespace()
	dryRun := rs.opts.DryRun.APIOption()
	orphan := metav1.DeletePropagationOrphan
	for i, v := range victims {
		o := ObjectResult{Kind: v.k.Kind, Name: v.name, Action: ActionDeleted}
		if rs.opts.DryRun == argocdmanaged.DryRunClient {
			o.Message = "dry run"
			rs.res.add(o)
			continue
		}
		res := rs.c.Dynamic.Resource(v.k.GVR).Namespace(ns)
		if kept := withoutResourcesFinalizers(v.obj.finalizers); len(kept) != len(v.obj.finalizers) {
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": kept}})
			if _, err := res.Patch(ctx, v.name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: rs.c.Manager(), DryRun: dryRun}); err != nil && !apierrors.IsNotFound(err) {
				if _, fatal := rs.fail(o, "patch", v.k, err); fatal != nil {
					return fatal
				}
				o.Action, o.Message = ActionFailed, "removing the resources finalizer: "+rs.c.Explain(err, "patch", v.k.GVR, ns, v.name).Error()
				rs.res.add(o)
				continue
			}
		}
		del := metav1.DeleteOptions{DryRun: dryRun}
		if v.k.Kind == "ApplicationSet" {
			// Generated Applications are owned by their ApplicationSet; deleting it in the
			// background would delete them, and their workloads, through the garbage collector.
			del.PropagationPolicy = &orphan
		}
		err := res.Delete(ctx, v.name, del)
		if err != nil && !apierrors.IsNotFound(err) {
			if _, fatal := rs.fail(o, "delete", v.k, err); fatal != nil {
				return fatal
			}
			o.Action, o.Message = ActionFailed, rs.c.Explain(err, "delete", v.k.GVR, ns, v.name).Error()
		} else if rs.opts.DryRun == argocdmanaged.DryRunServer {
			o.Message = "dry run"
		}
		rs.res.add(o)
		rs.progress.Update("prune", i+1, len(victims))
	}
	return nil
}

func withoutResourcesFinalizers(fs []string) []string {
	out := []string{}
	for _, f := range fs {
		if !slices.Contains(resourcesFinalizers, f) {
			out = append(out, f)
		}
	}
	return out
}
