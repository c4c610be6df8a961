package backup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// GuardAnnotation marks an ApplicationSet that a restore applied with a temporary
// spec.syncPolicy.applicationsSync of create-update, so that the ApplicationSet
// controller cannot delete apps while they come back. Its value is the original policy
// ("" when the backup has none). The restore removes the guard and the annotation itself,
// putting the backed-up spec back, once the Applications the ApplicationSet generated are
// present; Finish does it for a restore that was interrupted.
const GuardAnnotation = "backup.ck8sargo.io/applications-sync-guard"

// DefaultGuardTimeout is how long a restore waits for generated Applications before it
// leaves the guards for Finish.
const DefaultGuardTimeout = 2 * time.Minute

// ErrGuardPending is a restore whose ApplicationSets are still guarded because some of
// the Applications they generated are not present yet; finish it with Finish once they
// are.
var ErrGuardPending = errors.New("the restore is not finished: ApplicationSets are still guarded")

// deletingPolicies are the applicationsSync values (and none) under which the
// ApplicationSet controller deletes the apps it generated.
func needsGuard(u *unstructured.Unstructured) (original string, guard bool) {
	v, found, _ := unstructured.NestedString(u.Object, "spec", "syncPolicy", "applicationsSync")
	if !found {
		return "", true
	}
	return v, v == "sync" || v == "create-delete"
}

// guard gives an ApplicationSet about to be applied its temporary policy and annotation.
func guard(u *unstructured.Unstructured) bool {
	original, ok := needsGuard(u)
	if !ok {
		return false
	}
	_ = unstructured.SetNestedField(u.Object, "create-update", "spec", "syncPolicy", "applicationsSync")
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[GuardAnnotation] = original
	u.SetAnnotations(ann)
	return true
}

// guards are the ApplicationSets of one restore that carry a guard: their backed-up spec
// and the Applications they generated, from the backup's manifest.
type guards struct {
	mu        sync.Mutex
	specs     map[string]any
	generated map[string][]string
}

func newGuards(m *archive.Manifest) *guards {
	g := &guards{specs: map[string]any{}, generated: map[string][]string{}}
	for _, e := range m.Objects {
		if e.ApplicationSet != "" {
			g.generated[e.ApplicationSet] = append(g.generated[e.ApplicationSet], e.Name)
		}
	}
	return g
}

func (g *guards) add(name string, spec any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.specs[name] = spec
}

// release waits (up to timeout, with progress) until every guarded ApplicationSet's
// generated Applications exist, then puts each one's backed-up spec back and removes the
// annotation. ApplicationSets whose apps are still missing at the deadline stay guarded
// and are named in an ErrGuardPending.
func (rs *restorer) release(ctx context.Context, g *guards) error {
	if len(g.specs) == 0 {
		return nil
	}
	timeout := rs.opts.GuardTimeout
	if timeout <= 0 {
		timeout = DefaultGuardTimeout
	}
	names := make([]string, 0, len(g.specs))
	for n := range g.specs {
		names = append(names, n)
	}
	slices.Sort(names)
	ns := rs.scope.Namespace()
	apps := rs.c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns)
	rs.progress.Update("guard", 0, len(names))
	deadline := time.Now().Add(timeout)
	pending := names
	for {
		present, err := rs.liveNames(ctx, apps)
		if err != nil {
			return err
		}
		var still []string
		for _, n := range pending {
			if missing := missingApps(g.generated[n], present); len(missing) > 0 {
				still = append(still, n)
				continue
			}
			if err := rs.unguard(ctx, n, g.specs[n]); err != nil {
				return err
			}
		}
		pending = still
		rs.progress.Update("guard", len(names)-len(pending), len(names))
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var parts []string
			for _, n := range pending {
				parts = append(parts, fmt.Sprintf("ApplicationSet/%s waits for %s", n, strings.Join(missingApps(g.generated[n], present), ", ")))
			}
			return fmt.Errorf("%w after %s: %s; finish the restore once these Applications exist", ErrGuardPending, timeout, strings.Join(parts, "; "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func missingApps(want []string, present map[string]bool) []string {
	var out []string
	for _, a := range want {
		if !present[a] {
			out = append(out, a)
		}
	}
	return out
}

type lister interface {
	List(ctx context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error)
}

func (rs *restorer) liveNames(ctx context.Context, res lister) (map[string]bool, error) {
	out := map[string]bool{}
	opts := metav1.ListOptions{Limit: 2000}
	for {
		list, err := res.List(ctx, opts)
		if err != nil {
			return nil, rs.c.Explain(err, "list", argocdmanaged.ApplicationsResource, rs.scope.Namespace(), "")
		}
		for _, it := range list.Items {
			out[it.GetName()] = true
		}
		if list.GetContinue() == "" {
			return out, nil
		}
		opts.Continue = list.GetContinue()
	}
}

// unguard puts the backed-up spec of ApplicationSet name back and removes the guard
// annotation, leaving everything else of the live object as it is.
func (rs *restorer) unguard(ctx context.Context, name string, spec any) error {
	ns := rs.scope.Namespace()
	res := rs.c.Dynamic.Resource(argocdmanaged.ApplicationSetsResource).Namespace(ns)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		live, err := res.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		ann := live.GetAnnotations()
		if _, ok := ann[GuardAnnotation]; !ok {
			return nil // released already
		}
		delete(ann, GuardAnnotation)
		if len(ann) == 0 {
			ann = nil
		}
		live.SetAnnotations(ann)
		if spec == nil {
			delete(live.Object, "spec")
		} else {
			live.Object["spec"] = spec
		}
		_, err = res.Update(ctx, live, metav1.UpdateOptions{FieldManager: rs.c.Manager()})
		return err
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("releasing the guard of ApplicationSet %s: %w", name, rs.c.Explain(err, "update", argocdmanaged.ApplicationSetsResource, ns, name))
	}
	rs.mu.Lock()
	for i := range rs.res.Objects {
		if o := &rs.res.Objects[i]; o.Kind == "ApplicationSet" && o.Name == name {
			o.Message = joinNotes(o.Message, "guard released: spec as backed up")
		}
	}
	rs.mu.Unlock()
	return nil
}

// Finish completes a restore of backup name that stopped before it released its guards
// (interrupted, or ErrGuardPending): it verifies the backup, then, for every live
// ApplicationSet that carries GuardAnnotation and is in the backup, waits for the
// Applications it generated and puts its backed-up spec back. Guarded ApplicationSets that
// are not in the backup are left alone, with a warning.
func Finish(ctx context.Context, c *argocdmanaged.Clients, st *store.Store, name string, opts RestoreOptions) (*RestoreResult, error) {
	start := time.Now()
	scope := Scope{Profile: opts.Profile}
	ro := archive.ReadOptions{Identities: opts.Identities, SkipDecrypt: len(opts.Identities) == 0, RequireSignature: opts.RequireSignature}
	r, ro, err := openBound(ctx, st, name, ro)
	if err != nil {
		return nil, err
	}
	specs := map[string]any{}
	m, err := archive.Verify(r, ro, func(o archive.Object) error {
		if o.Kind != "ApplicationSet" {
			return nil
		}
		u, problem := decodeObject(o, scope)
		if problem != "" {
			return fmt.Errorf("%w: %s", ErrInvalidBackup, problem)
		}
		specs[o.Name] = Clean(u).Object["spec"]
		return nil
	})
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("refusing to finish the restore: %w", err)
	}
	rs := &restorer{c: c, opts: opts, scope: scope, progress: progressOr(opts.Progress), res: &RestoreResult{Name: m.Name}}
	ns := scope.Namespace()
	live, err := c.Dynamic.Resource(argocdmanaged.ApplicationSetsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.Explain(err, "list", argocdmanaged.ApplicationSetsResource, ns, "")
	}
	g := newGuards(m)
	for _, it := range live.Items {
		if _, ok := it.GetAnnotations()[GuardAnnotation]; !ok {
			continue
		}
		spec, ok := specs[it.GetName()]
		if !ok {
			rs.res.Warnings = append(rs.res.Warnings, fmt.Sprintf("ApplicationSet %s is guarded but not in backup %s; left alone", it.GetName(), name))
			continue
		}
		g.add(it.GetName(), spec)
		rs.res.add(ObjectResult{Kind: "ApplicationSet", Name: it.GetName(), Action: ActionUpdated})
	}
	err = rs.release(ctx, g)
	rs.res.Seconds = time.Since(start).Seconds()
	return rs.res, err
}
