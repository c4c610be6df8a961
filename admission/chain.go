package admission

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
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
// not the platform's own, including a Pod whose namespace is not known yet (Argo CD can
// deploy only into application namespaces).
func DefaultOptions(p argocdmanaged.Profile) Options {
	return Options{DefaultLevel: func(ns string) string {
		if ns != "" && p.IsPlatformNamespace(ns) {
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
	psa         *podSecurity
	mu          sync.Mutex // one Review at a time owns data.inventory
}

// New compiles the policies once. Policies it cannot use are returned as Problems; the
// error is only for a cancelled context.
func New(ctx context.Context, p Policies, opts Options) (*Chain, []Problem, error) {
	c := &Chain{opts: opts, templates: map[string]*template{}, psa: newPodSecurity(),
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
	workers := cmp.Or(c.opts.Workers, runtime.GOMAXPROCS(0))

	// Mutate every object and the Pod of every workload, and run Pod Security.
	reviews := make([]objectReview, len(objs))
	parallel(ctx, len(objs), workers, func(i int) {
		reviews[i] = c.prepare(i, objs[i])
	})
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	// Review terms are built once per subject, before the batches share them, and so
	// are the keys of what templates read.
	reads := map[string][][]string{}
	for _, k := range c.constraints {
		if k.tmpl.reads != nil {
			reads[k.tmpl.readsID()] = k.tmpl.reads
		}
	}
	parallel(ctx, len(reviews), workers, func(i int) {
		for j := range reviews[i].subjects {
			sr := &reviews[i].subjects[j]
			t, err := reviewTerm(sr.s)
			if err != nil {
				reviews[i].errs = append(reviews[i].errs, err)
				continue
			}
			sr.term = t
			if len(reads) > 0 {
				sr.keys = make(map[string]string, len(reads))
				for id, r := range reads {
					sr.keys[id] = readsKey(r, t)
				}
			}
		}
	})

	// Judge each constraint's matching subjects in batches. Subjects alike on all the
	// template reads are one group, judged once: its first subject is evaluated and the
	// verdicts hold for all of them.
	type ref struct{ obj, sub int }
	type batch struct {
		k      int
		groups [][]ref
	}
	var batches []batch
	for ki, k := range c.constraints {
		var groups [][]ref
		var byKey map[string]int
		var id string
		if k.tmpl.reads != nil {
			byKey, id = map[string]int{}, k.tmpl.readsID()
		}
		for i := range reviews {
			for j := range reviews[i].subjects {
				sr := &reviews[i].subjects[j]
				if !k.match.matches(sr.s) {
					continue
				}
				if byKey == nil || sr.term == nil {
					groups = append(groups, []ref{{i, j}})
					continue
				}
				key := sr.keys[id]
				if n, ok := byKey[key]; ok {
					groups[n] = append(groups[n], ref{i, j})
					continue
				}
				byKey[key] = len(groups)
				groups = append(groups, []ref{{i, j}})
			}
		}
		for len(groups) > 0 {
			n := min(len(groups), 256)
			batches = append(batches, batch{k: ki, groups: groups[:n]})
			groups = groups[n:]
		}
	}
	type batchResult struct {
		found map[int][]violation
		err   error
	}
	results := make([]batchResult, len(batches))
	parallel(ctx, len(batches), workers, func(b int) {
		terms := make([]*ast.Term, len(batches[b].groups))
		for x, g := range batches[b].groups {
			terms[x] = reviews[g[0].obj].subjects[g[0].sub].term
			if terms[x] == nil {
				terms[x] = ast.NullTerm()
			}
		}
		found, err := c.constraints[batches[b].k].evalBatch(ctx, terms)
		results[b] = batchResult{found, err}
	})
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	for b, br := range results {
		k := c.constraints[batches[b].k]
		if br.err != nil {
			for _, g := range batches[b].groups {
				for _, r := range g {
					reviews[r.obj].errs = append(reviews[r.obj].errs, fmt.Errorf("%s %s: %w", k.kind, k.name, br.err))
				}
			}
			continue
		}
		for x, vs := range br.found {
			for _, r := range batches[b].groups[x] {
				sr := &reviews[r.obj].subjects[r.sub]
				for _, v := range vs {
					sr.gatekeeper = append(sr.gatekeeper, Verdict{Rule: RulePrefixGatekeeper + k.kind, Constraint: k.name, Severity: k.action, Message: v.msg, Path: v.field})
				}
			}
		}
	}

	res := Result{Mutated: make([]Object, len(objs))}
	for i := range reviews {
		or := &reviews[i]
		res.Mutated[i] = or.mutated
		res.Mutations = append(res.Mutations, or.mutations...)
		var verdicts []Verdict
		for _, sr := range or.subjects {
			for _, v := range append(sr.gatekeeper, sr.podSecurity...) {
				v.Object, v.ViaPod = i, sr.prefix != ""
				if sr.prefix != "" {
					v.Path = templatePath(sr.prefix, v.Path)
					if slices.ContainsFunc(verdicts, func(x Verdict) bool {
						return x.Rule == v.Rule && x.Constraint == v.Constraint && x.Message == v.Message
					}) {
						continue
					}
				}
				verdicts = append(verdicts, v)
			}
		}
		res.Verdicts = append(res.Verdicts, verdicts...)
		if err := errors.Join(or.errs...); err != nil {
			res.Errors = append(res.Errors, ObjectError{Object: i, Err: err})
		}
	}
	return res, nil
}

// objectReview is one object on its way through the chain: the object itself and, for a
// workload, the Pod it creates.
type objectReview struct {
	mutated   Object
	mutations []Mutation
	subjects  []subjectReview
	errs      []error
}

type subjectReview struct {
	s           *subject
	prefix      string // the pod template's path, for the Pod of a workload
	term        *ast.Term
	keys        map[string]string // readsKey by template readsID
	gatekeeper  []Verdict
	podSecurity []Verdict
}

// prepare mutates a copy of the object and the Pod of a workload, and runs Pod Security
// on Pods.
func (c *Chain) prepare(i int, orig Object) objectReview {
	var or objectReview
	obj := deepCopy(orig).(map[string]any)
	or.mutated = obj
	s := c.subject(obj, false)
	changes, err := runMutators(c.mutators, obj, s)
	if err != nil {
		or.errs = append(or.errs, err)
	}
	for _, ch := range changes {
		or.mutations = append(or.mutations, Mutation{Object: i, Mutator: ch.mutator, Path: ch.path, Value: ch.value, Note: note(obj, ch)})
	}
	or.subjects = append(or.subjects, subjectReview{s: s, podSecurity: c.podSecurity(s, &or.errs)})
	if pod, prefix := expandPod(obj); pod != nil {
		ps := c.subject(pod, true)
		changes, err := runMutators(c.mutators, pod, ps)
		if err != nil {
			or.errs = append(or.errs, fmt.Errorf("the Pod of %s: %w", str(obj["kind"]), err))
		}
		for _, ch := range changes {
			or.mutations = append(or.mutations, Mutation{Object: i, Mutator: ch.mutator, Path: templatePath(prefix, ch.path), Value: ch.value, Note: note(pod, ch)})
		}
		or.subjects = append(or.subjects, subjectReview{s: ps, prefix: prefix, podSecurity: c.podSecurity(ps, &or.errs)})
	}
	return or
}

// podSecurity runs Pod Security on a Pod at its namespace's levels.
func (c *Chain) podSecurity(s *subject, errs *[]error) []Verdict {
	if s.group != "" || s.kind != "Pod" {
		return nil
	}
	level := ""
	if c.opts.DefaultLevel != nil {
		level = c.opts.DefaultLevel(s.namespace)
	}
	pol, err := policyFor(c.opts.Namespaces[s.namespace], level)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("the Pod Security labels of namespace %s: %w", s.namespace, err))
		return nil
	}
	fs, err := c.psa.evaluate(s.obj, pol)
	if err != nil {
		*errs = append(*errs, err)
	}
	var out []Verdict
	for _, f := range fs {
		out = append(out, Verdict{Rule: RulePrefixPodSecurity + f.check, Severity: f.severity, Message: f.message, Path: f.path})
	}
	return out
}

// parallel runs fn(0..n-1) on up to workers goroutines.
func parallel(ctx context.Context, n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
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
	return map[string]any{"namespace": nsInv, "cluster": clInv, NetworkPolicyIndex: networkPolicyIndex(nsInv)}
}

// NetworkPolicyIndex is the key in data.inventory of an index of NetworkPolicies by
// namespace and one label of their podSelector's matchLabels, which Gatekeeper does not
// have: with it the built-in network-policy template matches a Pod against the few
// NetworkPolicies that can select it, not against every one of its namespace (in gator
// the template falls back to the full scan, with the same verdicts).
const NetworkPolicyIndex = "ck8sargo.io/networkpolicies"

// networkPolicyIndex is namespace[ns] = {"keyed": {label: {value: [NetworkPolicy]}},
// "unkeyed": [NetworkPolicy]}. A NetworkPolicy with matchLabels is keyed by its first
// label, which a Pod must have to be selected; the others (no matchLabels, or an odd
// selector) are unkeyed and always tried.
func networkPolicyIndex(nsInv map[string]any) map[string]any {
	out := map[string]any{}
	for ns, byAV := range nsInv {
		nps := asMap(asMap(asMap(byAV)["networking.k8s.io/v1"])["NetworkPolicy"])
		if len(nps) == 0 {
			continue
		}
		keyed, unkeyed := map[string]any{}, []any{}
		for _, name := range slices.Sorted(maps.Keys(nps)) {
			np := nps[name]
			ml, ok := asMap(asMap(asMap(np)["spec"])["podSelector"])["matchLabels"].(map[string]any)
			k := ""
			if ok && len(ml) > 0 {
				k = slices.Min(slices.Collect(maps.Keys(ml)))
			}
			v, isString := ml[k].(string)
			if k == "" || !isString {
				unkeyed = append(unkeyed, np)
				continue
			}
			byValue, _ := keyed[k].(map[string]any)
			if byValue == nil {
				byValue = map[string]any{}
				keyed[k] = byValue
			}
			list, _ := byValue[v].([]any)
			byValue[v] = append(list, np)
		}
		out[ns] = map[string]any{"keyed": keyed, "unkeyed": unkeyed}
	}
	return out
}
