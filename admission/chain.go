package admission

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"k8s.io/apimachinery/pkg/labels"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Severity is how much a verdict matters, after the constraint's enforcement action.
type Severity int

// Severities: deny is an error, warn a warning, dryrun information.
const (
	SeverityInfo Severity = iota + 1
	SeverityWarning
	SeverityError
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Rule ID prefixes of verdicts.
const (
	RulePrefixGatekeeper  = "gatekeeper/"
	RulePrefixPodSecurity = "pod-security/"
)

// Options say what the chain knows about the cluster. Start from DefaultOptions.
type Options struct {
	// Namespaces are the labels of namespaces read from the cluster, by name. They decide
	// Pod Security levels (pod-security.kubernetes.io/enforce) and namespaceSelectors. A
	// namespace not listed has only the kubernetes.io/metadata.name label.
	Namespaces map[string]map[string]string
	// DefaultLevel is the Pod Security level of a namespace whose labels do not set one:
	// "restricted", "baseline" or "privileged" ("" is privileged: nothing checked).
	DefaultLevel func(namespace string) string
	// ClusterScoped says whether objects of a group and kind are cluster-scoped; nil
	// takes objects without a namespace as cluster-scoped.
	ClusterScoped func(group, kind string) bool
	// Inventory are more objects for data.inventory besides the reviewed ones, such as
	// the live objects of the cluster.
	Inventory []Object
	// Workers is how many objects are reviewed at once; 0 means one per CPU.
	Workers int
}

// DefaultOptions are the platform's: Pod Security restricted on every namespace that is
// not the platform's own.
func DefaultOptions(p argocdmanaged.Profile) Options {
	return Options{DefaultLevel: func(ns string) string {
		if ns == "" || p.IsPlatformNamespace(ns) {
			return ""
		}
		return string(psaapi.LevelRestricted)
	}}
}

// Problem is a policy the chain could not use: a template whose Rego does not compile, a
// constraint of an unknown template, a mutator with a bad location. It is reported once;
// everything else is still run.
type Problem struct {
	// Kind and Name name the policy object.
	Kind string
	Name string
	Err  error
}

func (p Problem) Error() string { return fmt.Sprintf("%s %s: %v", p.Kind, p.Name, p.Err) }

// Chain runs the policies on objects: mutators, then constraints and Pod Security on the
// mutated objects; workloads also through the Pod they create. Build it with New; it is
// safe for concurrent use.
type Chain struct {
	opts        Options
	mutators    []*mutator
	templates   map[string]*template
	constraints []*constraint
	inventory   bool
	store       storage.Store
	mu          sync.Mutex // one Review at a time owns data.inventory
}

// New compiles the policies once. Policies it cannot use are returned as Problems; the
// error is only for a cancelled context.
func New(ctx context.Context, p Policies, opts Options) (*Chain, []Problem, error) {
	c := &Chain{opts: opts, templates: map[string]*template{},
		store: inmem.NewWithOpts(inmem.OptReturnASTValuesOnRead(true), inmem.OptRoundTripOnWrite(false))}
	if err := storage.WriteOne(ctx, c.store, storage.AddOp, storage.Path{"inventory"}, map[string]any{}); err != nil {
		return nil, nil, fmt.Errorf("preparing data.inventory: %w", err)
	}
	var problems []Problem
	var constraints []Object
	for _, o := range p.Objects {
		kind, name := str(o["kind"]), str(asMap(o["metadata"])["name"])
		switch {
		case group(o) == MutationsGroup:
			m, err := compileMutator(o)
			if err != nil {
				problems = append(problems, Problem{Kind: kind, Name: name, Err: err})
				continue
			}
			c.mutators = append(c.mutators, m)
		case group(o) == TemplatesGroup && kind == KindTemplate:
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			t, err := compileTemplate(ctx, o, c.store)
			if err != nil {
				problems = append(problems, Problem{Kind: kind, Name: name, Err: err})
				continue
			}
			if _, dup := c.templates[t.kind]; dup {
				problems = append(problems, Problem{Kind: kind, Name: name, Err: fmt.Errorf("another template already defines kind %s", t.kind)})
				continue
			}
			c.templates[t.kind] = t
			c.inventory = c.inventory || t.useInventory
		case group(o) == ConstraintsGroup:
			constraints = append(constraints, o)
		}
	}
	for _, o := range constraints {
		kind, name := str(o["kind"]), str(asMap(o["metadata"])["name"])
		t, ok := c.templates[kind]
		if !ok {
			problems = append(problems, Problem{Kind: kind, Name: name, Err: fmt.Errorf("no usable ConstraintTemplate defines kind %s", kind)})
			continue
		}
		k, err := compileConstraint(o, t)
		if err != nil {
			problems = append(problems, Problem{Kind: kind, Name: name, Err: err})
			continue
		}
		c.constraints = append(c.constraints, k)
	}
	sortMutators(c.mutators)
	slices.SortFunc(c.constraints, func(a, b *constraint) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.name, b.name)) })
	return c, problems, nil
}

// Verdict is one thing the chain found wrong with an object.
type Verdict struct {
	// Object is the index of the object in the reviewed slice.
	Object int
	// Rule is "gatekeeper/<ConstraintKind>" or "pod-security/<check>".
	Rule string
	// Constraint is the name of the Constraint; empty for Pod Security.
	Constraint string
	// Severity follows the enforcement action (deny, warn, dryrun), or the namespace's
	// Pod Security enforce (error) and warn (warning) levels.
	Severity Severity
	// Message is the constraint's own message, or the API server's Pod Security reason.
	Message string
	// Path is the dotted path of the offending field in the object ("spec.template.spec.
	// containers.0.securityContext"), where known.
	Path string
	// ViaPod says that the verdict is about the Pod the workload creates.
	ViaPod bool
}

// Mutation is one field a mutator set on an object or on the Pod its workload creates.
type Mutation struct {
	Object  int
	Mutator string // "<Kind>/<name>"
	// Path is the dotted path in the object (for a workload, in its pod template).
	Path  string
	Value any
	// Note says what the user must do about the change; empty when nothing.
	Note string
}

// Result is what a review found. Verdicts and Mutations are in object order.
type Result struct {
	Verdicts  []Verdict
	Mutations []Mutation
	// Mutated are the objects after mutation, by index (the input objects are not
	// changed).
	Mutated []Object
	// Errors are objects the chain could not judge (a Rego runtime error, mutators that
	// do not converge), by object.
	Errors []ObjectError
}

// ObjectError is an error judging one object.
type ObjectError struct {
	Object int
	Err    error
}

func (e ObjectError) Error() string { return fmt.Sprintf("object %d: %v", e.Object, e.Err) }

// Review runs the chain on the objects. data.inventory holds the objects and
// Options.Inventory.
func (c *Chain) Review(ctx context.Context, objs []Object) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inventory {
		inv := buildInventory(append(slices.Clone(objs), c.opts.Inventory...), c.opts.ClusterScoped)
		v, err := ast.InterfaceToValue(inv)
		if err != nil {
			return Result{}, fmt.Errorf("building data.inventory: %w", err)
		}
		if err := storage.WriteOne(ctx, c.store, storage.ReplaceOp, storage.Path{"inventory"}, v); err != nil {
			return Result{}, fmt.Errorf("building data.inventory: %w", err)
		}
	}
	res := Result{Mutated: make([]Object, len(objs))}
	type part struct {
		verdicts  []Verdict
		mutations []Mutation
		errs      []ObjectError
	}
	parts := make([]part, len(objs))
	workers := cmp.Or(c.opts.Workers, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps := newPodSecurity()
			for i := range next {
				p := &parts[i]
				mutated, vs, ms, err := c.reviewOne(ctx, ps, i, objs[i])
				res.Mutated[i] = mutated
				p.verdicts, p.mutations = vs, ms
				if err != nil {
					p.errs = append(p.errs, ObjectError{Object: i, Err: err})
				}
			}
		}()
	}
	for i := range objs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	for _, p := range parts {
		res.Verdicts = append(res.Verdicts, p.verdicts...)
		res.Mutations = append(res.Mutations, p.mutations...)
		res.Errors = append(res.Errors, p.errs...)
	}
	return res, nil
}

func (c *Chain) subject(o Object, generated bool) *subject {
	meta := asMap(o["metadata"])
	gv := str(o["apiVersion"])
	g, v, ok := strings.Cut(gv, "/")
	if !ok {
		g, v = "", gv
	}
	s := &subject{obj: o, group: g, version: v, kind: str(o["kind"]), namespace: str(meta["namespace"]),
		name: str(meta["name"]), labels: stringSet(meta["labels"]), generated: generated}
	if c.opts.ClusterScoped != nil {
		s.namespaced = !c.opts.ClusterScoped(s.group, s.kind)
	} else {
		s.namespaced = s.namespace != ""
	}
	if s.namespaced {
		s.nsLabels = c.namespaceLabels(s.namespace)
	}
	return s
}

func (c *Chain) namespaceLabels(ns string) labels.Set {
	if l, ok := c.opts.Namespaces[ns]; ok {
		out := labels.Set{"kubernetes.io/metadata.name": ns}
		for k, v := range l {
			out[k] = v
		}
		return out
	}
	return labels.Set{"kubernetes.io/metadata.name": ns}
}

func stringSet(v any) labels.Set {
	out := labels.Set{}
	for k, x := range asMap(v) {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

// reviewOne mutates a copy of the object, judges it, and judges the Pod of a workload.
func (c *Chain) reviewOne(ctx context.Context, ps *podSecurity, i int, orig Object) (Object, []Verdict, []Mutation, error) {
	obj := deepCopy(orig).(map[string]any)
	var errs []error
	var verdicts []Verdict
	var mutations []Mutation
	s := c.subject(obj, false)
	changes, err := runMutators(c.mutators, obj, s)
	if err != nil {
		errs = append(errs, err)
	}
	for _, ch := range changes {
		mutations = append(mutations, Mutation{Object: i, Mutator: ch.mutator, Path: ch.path, Value: ch.value, Note: note(obj, ch)})
	}
	vs, err := c.judge(ctx, ps, s)
	if err != nil {
		errs = append(errs, err)
	}
	for _, v := range vs {
		v.Object = i
		verdicts = append(verdicts, v)
	}
	if pod, prefix := expandPod(obj); pod != nil {
		ps2 := c.subject(pod, true)
		changes, err := runMutators(c.mutators, pod, ps2)
		if err != nil {
			errs = append(errs, fmt.Errorf("the Pod of %s: %w", str(obj["kind"]), err))
		}
		for _, ch := range changes {
			mutations = append(mutations, Mutation{Object: i, Mutator: ch.mutator, Path: templatePath(prefix, ch.path), Value: ch.value, Note: note(pod, ch)})
		}
		vs, err := c.judge(ctx, ps, ps2)
		if err != nil {
			errs = append(errs, fmt.Errorf("the Pod of %s: %w", str(obj["kind"]), err))
		}
		for _, v := range vs {
			v.Object, v.ViaPod = i, true
			v.Path = templatePath(prefix, v.Path)
			if !slices.ContainsFunc(verdicts, func(x Verdict) bool {
				return x.Rule == v.Rule && x.Constraint == v.Constraint && x.Message == v.Message
			}) {
				verdicts = append(verdicts, v)
			}
		}
	}
	return obj, verdicts, mutations, errors.Join(errs...)
}

// judge runs the constraints that match, and Pod Security on Pods.
func (c *Chain) judge(ctx context.Context, ps *podSecurity, s *subject) ([]Verdict, error) {
	var out []Verdict
	var errs []error
	var review *ast.Term
	for _, k := range c.constraints {
		if !k.match.matches(s) {
			continue
		}
		if review == nil {
			r, err := reviewTerm(s)
			if err != nil {
				return nil, err
			}
			review = r
		}
		vs, err := k.eval(ctx, review)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", k.kind, k.name, err))
			continue
		}
		for _, v := range vs {
			out = append(out, Verdict{Rule: RulePrefixGatekeeper + k.kind, Constraint: k.name, Severity: k.action, Message: v.msg, Path: v.field})
		}
	}
	if s.group == "" && s.kind == "Pod" {
		level := ""
		if c.opts.DefaultLevel != nil {
			level = c.opts.DefaultLevel(s.namespace)
		}
		pol, err := policyFor(c.opts.Namespaces[s.namespace], level)
		if err != nil {
			errs = append(errs, fmt.Errorf("the Pod Security labels of namespace %s: %w", s.namespace, err))
		} else {
			fs, err := ps.evaluate(s.obj, pol)
			if err != nil {
				errs = append(errs, err)
			}
			for _, f := range fs {
				out = append(out, Verdict{Rule: RulePrefixPodSecurity + f.check, Severity: f.severity, Message: f.message, Path: f.path})
			}
		}
	}
	return out, errors.Join(errs...)
}

// reviewTerm is input.review as Gatekeeper's webhook shapes it for a create.
func reviewTerm(s *subject) (*ast.Term, error) {
	r := map[string]any{
		"kind":      map[string]any{"group": s.group, "version": s.version, "kind": s.kind},
		"object":    s.obj,
		"oldObject": nil,
		"operation": "CREATE",
		"name":      s.name,
		"namespace": s.namespace,
		"dryRun":    false,
		"userInfo":  map[string]any{"username": "system:serviceaccount:argocd-system:argocd-application-controller", "groups": []any{"system:serviceaccounts", "system:authenticated"}},
	}
	v, err := ast.InterfaceToValue(r)
	if err != nil {
		return nil, fmt.Errorf("building input.review: %w", err)
	}
	return ast.NewTerm(v), nil
}

// buildInventory is data.inventory as Gatekeeper's sync builds it:
// namespace[ns][apiVersion][kind][name] and cluster[apiVersion][kind][name].
func buildInventory(objs []Object, clusterScoped func(group, kind string) bool) map[string]any {
	nsInv, clInv := map[string]any{}, map[string]any{}
	put := func(root map[string]any, keys []string, o Object) {
		m := root
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = o
	}
	for _, o := range objs {
		meta := asMap(o["metadata"])
		name, ns, av, kind := str(meta["name"]), str(meta["namespace"]), str(o["apiVersion"]), str(o["kind"])
		if name == "" || kind == "" || av == "" {
			continue
		}
		namespaced := ns != ""
		if clusterScoped != nil {
			namespaced = !clusterScoped(group(o), kind)
		}
		if namespaced {
			put(nsInv, []string{ns, av, kind, name}, o)
		} else {
			put(clInv, []string{av, kind, name}, o)
		}
	}
	return map[string]any{"namespace": nsInv, "cluster": clInv}
}
