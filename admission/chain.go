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
	"github.com/ck8sargo/ck8sargo/internal/parallel"
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
	workers := cmp.Or(c.opts.Workers, runtime.GOMAXPROCS(0))

	// Each object is converted to an OPA value once: data.inventory holds it, and so does
	// the review of every object that no mutator changed.
	var vals []ast.Value
	if c.inventory {
		all := objs
		if len(c.opts.Inventory) > 0 {
			all = append(slices.Clone(objs), c.opts.Inventory...)
		}
		vals = make([]ast.Value, len(all))
		errs := make([]error, len(all))
		parallel.Run(ctx, len(all), workers, func(i int) { vals[i], errs[i] = ast.InterfaceToValue(all[i]) })
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		if err := errors.Join(errs...); err != nil {
			return Result{}, fmt.Errorf("building data.inventory: %w", err)
		}
		v, err := buildInventory(all, vals, c.opts.ClusterScoped)
		if err != nil {
			return Result{}, fmt.Errorf("building data.inventory: %w", err)
		}
		if err := storage.WriteOne(ctx, c.store, storage.ReplaceOp, storage.Path{"inventory"}, v); err != nil {
			return Result{}, fmt.Errorf("building data.inventory: %w", err)
		}
	}

	// The keys of what templates read, shared by templates that read the same paths.
	reads := map[string][][]string{}
	for _, k := range c.constraints {
		if k.tmpl.reads != nil {
			reads[k.tmpl.readsID()] = k.tmpl.reads
		}
	}

	// Mutate every object and the Pod of every workload, run Pod Security, and find the
	// constraints that match each subject. Review terms are built once per subject that a
	// constraint matches, before the batches share them, and so are the keys of what
	// templates read.
	reviews := make([]objectReview, len(objs))
	parallel.Run(ctx, len(objs), workers, func(i int) {
		or := c.prepare(i, objs[i])
		for j := range or.subjects {
			sr := &or.subjects[j]
			for ki, k := range c.constraints {
				if k.match.matches(sr.s) {
					sr.matched = append(sr.matched, ki)
				}
			}
			if len(sr.matched) == 0 {
				continue
			}
			var obj ast.Value
			if j == 0 && vals != nil && or.unchanged {
				obj = vals[i]
			}
			t, err := reviewTerm(sr.s, obj)
			if err != nil {
				or.errs = append(or.errs, err)
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
		reviews[i] = or
	})
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	// Judge each constraint's matching subjects in batches. Subjects alike on all the
	// template reads are one group, judged once: its first subject is evaluated and the
	// verdicts hold for all of them.
	type ref struct{ obj, sub int }
	type batch struct {
		k      int
		groups [][]ref
	}
	type constraintGroups struct {
		groups [][]ref
		byKey  map[string]int
		id     string
	}
	perConstraint := make([]constraintGroups, len(c.constraints))
	for ki, k := range c.constraints {
		if k.tmpl.reads != nil {
			perConstraint[ki].byKey, perConstraint[ki].id = map[string]int{}, k.tmpl.readsID()
		}
	}
	for i := range reviews {
		for j := range reviews[i].subjects {
			sr := &reviews[i].subjects[j]
			for _, ki := range sr.matched {
				cg := &perConstraint[ki]
				if cg.byKey == nil || sr.term == nil {
					cg.groups = append(cg.groups, []ref{{i, j}})
					continue
				}
				key := sr.keys[cg.id]
				if n, ok := cg.byKey[key]; ok {
					cg.groups[n] = append(cg.groups[n], ref{i, j})
					continue
				}
				cg.byKey[key] = len(cg.groups)
				cg.groups = append(cg.groups, []ref{{i, j}})
			}
		}
	}
	var batches []batch
	for ki := range perConstraint {
		groups := perConstraint[ki].groups
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
	parallel.Run(ctx, len(batches), workers, func(b int) {
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
	nv, nm := 0, 0
	for i := range reviews {
		nm += len(reviews[i].mutations)
		for _, sr := range reviews[i].subjects {
			nv += len(sr.gatekeeper) + len(sr.podSecurity)
		}
	}
	res.Verdicts, res.Mutations = make([]Verdict, 0, nv), make([]Mutation, 0, nm)
	for i := range reviews {
		or := &reviews[i]
		res.Mutated[i] = or.mutated
		res.Mutations = append(res.Mutations, or.mutations...)
		// Verdicts about the Pod of a workload are left out when the workload has the
		// same one already (first is where this object's verdicts begin).
		first := len(res.Verdicts)
		for _, sr := range or.subjects {
			for _, list := range [2][]Verdict{sr.gatekeeper, sr.podSecurity} {
				for _, v := range list {
					v.Object, v.ViaPod = i, sr.prefix != ""
					if sr.prefix != "" {
						v.Path = templatePath(sr.prefix, v.Path)
						if slices.ContainsFunc(res.Verdicts[first:], func(x Verdict) bool {
							return x.Rule == v.Rule && x.Constraint == v.Constraint && x.Message == v.Message
						}) {
							continue
						}
					}
					res.Verdicts = append(res.Verdicts, v)
				}
			}
		}
		if err := errors.Join(or.errs...); err != nil {
			res.Errors = append(res.Errors, ObjectError{Object: i, Err: err})
		}
	}
	if len(res.Mutations) == 0 {
		res.Mutations = nil
	}
	if len(res.Verdicts) == 0 {
		res.Verdicts = nil
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
	// unchanged says that no mutator changed the object itself: it is equal to the
	// input object.
	unchanged bool
}

type subjectReview struct {
	s           *subject
	prefix      string // the pod template's path, for the Pod of a workload
	matched     []int  // the constraints, by index, whose match selects the subject
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
	or.unchanged = err == nil && len(changes) == 0
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

// reviewUserInfo is the user of every review: Argo CD's application controller.
var reviewUserInfo = ast.MustInterfaceToValue(map[string]any{
	"username": "system:serviceaccount:argocd-system:argocd-application-controller",
	"groups":   []any{"system:serviceaccounts", "system:authenticated"},
})

// reviewTerm is input.review as Gatekeeper's webhook shapes it for a create. obj is the
// subject's object as an OPA value when it is already converted, or nil.
func reviewTerm(s *subject, obj ast.Value) (*ast.Term, error) {
	if obj == nil {
		var err error
		if obj, err = ast.InterfaceToValue(s.obj); err != nil {
			return nil, fmt.Errorf("building input.review: %w", err)
		}
	}
	return ast.ObjectTerm(
		ast.Item(ast.InternedTerm("kind"), ast.ObjectTerm(
			ast.Item(ast.InternedTerm("group"), ast.StringTerm(s.group)),
			ast.Item(ast.InternedTerm("version"), ast.StringTerm(s.version)),
			ast.Item(ast.InternedTerm("kind"), ast.StringTerm(s.kind)),
		)),
		ast.Item(ast.InternedTerm("object"), ast.NewTerm(obj)),
		ast.Item(ast.InternedTerm("oldObject"), ast.InternedNullTerm),
		ast.Item(ast.InternedTerm("operation"), ast.StringTerm("CREATE")),
		ast.Item(ast.InternedTerm("name"), ast.StringTerm(s.name)),
		ast.Item(ast.InternedTerm("namespace"), ast.StringTerm(s.namespace)),
		ast.Item(ast.InternedTerm("dryRun"), ast.InternedTerm(false)),
		ast.Item(ast.InternedTerm("userInfo"), ast.NewTerm(reviewUserInfo)),
	), nil
}

// buildInventory is data.inventory as Gatekeeper's sync builds it:
// namespace[ns][apiVersion][kind][name] and cluster[apiVersion][kind][name]. vals are the
// objects as OPA values, by index; a later object of the same name replaces an earlier.
func buildInventory(objs []Object, vals []ast.Value, clusterScoped func(group, kind string) bool) (ast.Value, error) {
	// The trees hold object indexes as leaves until they are converted.
	nsInv, clInv := map[string]any{}, map[string]any{}
	put := func(root map[string]any, keys []string, i int) {
		m := root
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = i
	}
	for i, o := range objs {
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
			put(nsInv, []string{ns, av, kind, name}, i)
		} else {
			put(clInv, []string{av, kind, name}, i)
		}
	}
	wl, err := workloadIndex(nsInv, objs)
	if err != nil {
		return nil, err
	}
	return inventoryValue(map[string]any{"namespace": nsInv, "cluster": clInv,
		NetworkPolicyIndex: networkPolicyIndex(nsInv, objs), WorkloadIndex: wl}, vals)
}

// inventoryValue converts an inventory tree whose leaves are object indexes.
func inventoryValue(node any, vals []ast.Value) (ast.Value, error) {
	switch n := node.(type) {
	case int:
		return vals[n], nil
	case map[string]any:
		items := make([][2]*ast.Term, 0, len(n))
		for k, x := range n {
			v, err := inventoryValue(x, vals)
			if err != nil {
				return nil, err
			}
			items = append(items, ast.Item(ast.StringTerm(k), ast.NewTerm(v)))
		}
		return ast.NewObject(items...), nil
	case []any:
		terms := make([]*ast.Term, len(n))
		for i, x := range n {
			v, err := inventoryValue(x, vals)
			if err != nil {
				return nil, err
			}
			terms[i] = ast.NewTerm(v)
		}
		return ast.NewArray(terms...), nil
	}
	return ast.InterfaceToValue(node)
}

// WorkloadIndex is the key in data.inventory of the workloads a PodDisruptionBudget can
// protect (apps/v1 Deployments, StatefulSets and ReplicaSets, v1 ReplicationControllers and
// Pods), by namespace, grouped by replicas and pod labels, which Gatekeeper does not have:
// with it the built-in PodDisruptionBudget template compares minAvailable and matches the
// selector once per group, not once per workload (in gator the template falls back to
// enumerating the workloads, with the same verdicts).
const WorkloadIndex = "ck8sargo.io/workloads"

// workloadKinds are the apiVersions and kinds of WorkloadIndex, as the PodDisruptionBudget
// template's workload_kinds list them.
var workloadKinds = [][2]string{{"apps/v1", "Deployment"}, {"apps/v1", "StatefulSet"}, {"apps/v1", "ReplicaSet"}, {"v1", "ReplicationController"}, {"v1", "Pod"}}

// workloadIndex is namespace[ns] = {"grouped": [{"replicas": n, "labels": {...},
// "workloads": [[kind, name]]}], "other": [workload]}. replicas and labels are what the
// template's replicas(w) and pod_labels(w) give; a workload whose fields are of an odd
// type (a spec or metadata that is no object, replicas that are no number) is left in
// other, for the template to judge whole as without the index.
func workloadIndex(nsInv map[string]any, objs []Object) (map[string]any, error) {
	out := map[string]any{}
	for ns, byAV := range nsInv {
		var grouped, other []any
		byKey := map[string]int{}
		for _, k := range workloadKinds {
			ws := asMap(asMap(asMap(byAV)[k[0]])[k[1]])
			for _, name := range slices.Sorted(maps.Keys(ws)) {
				i := ws[name].(int)
				replicas, labels, ok := pdbView(objs[i])
				if !ok {
					other = append(other, i)
					continue
				}
				rv, err := ast.InterfaceToValue(replicas)
				if err != nil {
					return nil, err
				}
				lv, err := ast.InterfaceToValue(labels)
				if err != nil {
					return nil, err
				}
				key := ast.NewArray(ast.NewTerm(rv), ast.NewTerm(lv)).String()
				w := []any{str(objs[i]["kind"]), name}
				if n, seen := byKey[key]; seen {
					g := grouped[n].(map[string]any)
					g["workloads"] = append(g["workloads"].([]any), w)
					continue
				}
				byKey[key] = len(grouped)
				grouped = append(grouped, map[string]any{"replicas": rv, "labels": lv, "workloads": []any{w}})
			}
		}
		if len(grouped)+len(other) > 0 {
			out[ns] = map[string]any{"grouped": append([]any{}, grouped...), "other": append([]any{}, other...)}
		}
	}
	return out, nil
}

// pdbView is a workload's replicas and pod labels as the PodDisruptionBudget template
// reads them (a Pod is one replica; no replicas is one); ok is false when a field has a
// type the template would have to judge itself.
func pdbView(w Object) (replicas any, labels map[string]any, ok bool) {
	meta := map[string]any{}
	if str(w["kind"]) == "Pod" {
		replicas = int64(1)
		m, isMap := w["metadata"].(map[string]any)
		if !isMap {
			return nil, nil, false
		}
		meta = m
	} else {
		spec, isMap := w["spec"].(map[string]any)
		if !isMap {
			return nil, nil, false
		}
		switch r := spec["replicas"].(type) {
		case nil:
			replicas = int64(1)
		case int, int64, float64:
			replicas = r
		default:
			return nil, nil, false
		}
		// pod_meta: the job template's metadata unless it is null, else the template's
		// (an explicit null there is no object).
		var m any
		found := false
		if jt, isMap := spec["jobTemplate"].(map[string]any); isMap {
			if js, isMap := jt["spec"].(map[string]any); isMap {
				if t, isMap := js["template"].(map[string]any); isMap && t["metadata"] != nil {
					m, found = t["metadata"], true
				}
			}
		}
		if !found {
			if t, isMap := spec["template"].(map[string]any); isMap {
				m, found = t["metadata"]
			}
		}
		if found {
			mm, isMap := m.(map[string]any)
			if !isMap {
				return nil, nil, false
			}
			meta = mm
		}
	}
	switch l := meta["labels"].(type) {
	case nil:
		if _, present := meta["labels"]; present {
			return nil, nil, false
		}
		labels = map[string]any{}
	case map[string]any:
		labels = l
	default:
		return nil, nil, false
	}
	return replicas, labels, true
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
func networkPolicyIndex(nsInv map[string]any, objs []Object) map[string]any {
	out := map[string]any{}
	for ns, byAV := range nsInv {
		nps := asMap(asMap(asMap(byAV)["networking.k8s.io/v1"])["NetworkPolicy"])
		if len(nps) == 0 {
			continue
		}
		keyed, unkeyed := map[string]any{}, []any{}
		for _, name := range slices.Sorted(maps.Keys(nps)) {
			np := nps[name] // an object index
			ml, ok := asMap(asMap(objs[np.(int)]["spec"])["podSelector"])["matchLabels"].(map[string]any)
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
