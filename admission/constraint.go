package admission

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
)

// Gatekeeper API groups and the target its templates must name.
const (
	TemplatesGroup   = "templates.gatekeeper.sh"
	ConstraintsGroup = "constraints.gatekeeper.sh"
	KindTemplate     = "ConstraintTemplate"
	// Target is the only ConstraintTemplate target Gatekeeper's admission webhook uses.
	Target = "admission.k8s.gatekeeper.sh"
)

// template is a compiled ConstraintTemplate: one prepared query over its Rego and libs.
type template struct {
	name         string // metadata.name
	kind         string // the constraint kind it defines
	query        rego.PreparedEvalQuery
	useInventory bool
	pkg          string // the Rego package path ("data.k8srequiredlabels")
	// reads are the paths in input.review that the Rego reads, when they are few: objects
	// alike on them get the same verdicts, so one of them is judged for all. Nil when the
	// Rego reads the whole object or calls a non-deterministic built-in.
	reads [][]string
}

// constraint is one Constraint of a known template.
type constraint struct {
	kind, name string
	tmpl       *template
	match      *matcher
	action     Severity
	params     *ast.Term
}

// compileTemplate prepares a template's Rego once. Templates use Rego v0 syntax unless
// their source says version v1, as in Gatekeeper.
func compileTemplate(ctx context.Context, u map[string]any, store storage.Store) (*template, error) {
	spec := asMap(u["spec"])
	t := &template{name: str(asMap(u["metadata"])["name"])}
	t.kind = str(asMap(asMap(asMap(spec["crd"])["spec"])["names"])["kind"])
	if t.kind == "" {
		return nil, fmt.Errorf("spec.crd.spec.names.kind is empty")
	}
	var src string
	var libs []string
	version := ast.RegoV0
	found := false
	for _, tg := range asSlice(spec["targets"]) {
		tm := asMap(tg)
		if str(tm["target"]) != Target {
			continue
		}
		src, libs = str(tm["rego"]), asStrings(tm["libs"])
		for _, c := range asSlice(tm["code"]) {
			cm := asMap(c)
			if str(cm["engine"]) != "Rego" {
				continue
			}
			s := asMap(cm["source"])
			src, libs = str(s["rego"]), asStrings(s["libs"])
			if str(s["version"]) == "v1" {
				version = ast.RegoV1
			}
		}
		found = src != ""
	}
	if !found {
		return nil, fmt.Errorf("no Rego for target %s (templates with only CEL code are not judged)", Target)
	}
	opts := ast.ParserOptions{RegoVersion: version}
	main, err := ast.ParseModuleWithOpts(t.name+".rego", src, opts)
	if err != nil {
		return nil, fmt.Errorf("rego: %w", err)
	}
	regoOpts := []func(*rego.Rego){
		rego.ParsedModule(main),
		rego.Store(store),
		rego.SetRegoVersion(version),
	}
	var mods []*ast.Module
	for i, l := range libs {
		lm, err := ast.ParseModuleWithOpts(fmt.Sprintf("%s-lib%d.rego", t.name, i), l, opts)
		if err != nil {
			return nil, fmt.Errorf("libs[%d]: %w", i, err)
		}
		if !strings.HasPrefix(lm.Package.Path.String(), "data.lib.") && lm.Package.Path.String() != "data.lib" {
			return nil, fmt.Errorf("libs[%d]: package %s is not under lib", i, strings.TrimPrefix(lm.Package.Path.String(), "data."))
		}
		regoOpts = append(regoOpts, rego.ParsedModule(lm))
		mods = append(mods, lm)
	}
	hasViolation := false
	for _, r := range main.Rules {
		if r.Head.Name.String() == "violation" || (len(r.Head.Reference) > 0 && r.Head.Reference[0].String() == "violation") {
			hasViolation = true
		}
	}
	if !hasViolation {
		return nil, fmt.Errorf("rego: no violation rule")
	}
	t.useInventory = strings.Contains(src, "data.inventory") || strings.Contains(strings.Join(libs, "\n"), "data.inventory")
	t.pkg = main.Package.Path.String()
	// One evaluation judges a batch of reviews: the per-evaluation cost of OPA is paid
	// once per batch, not once per object. Only i and v are bound, so that the results
	// do not carry a copy of each review.
	query := `v := ` + t.pkg + `.violation[_] with input as {"review": input.reviews[i], "parameters": input.parameters}`
	t.reads = reviewReads(append([]*ast.Module{main}, mods...))
	if t.query, err = rego.New(append(regoOpts, rego.Query(query))...).PrepareForEval(ctx); err != nil {
		return nil, fmt.Errorf("rego: %w", err)
	}
	return t, nil
}

// reviewReads are the paths under input.review that the modules read, shortest first and
// none below another; nil when they read the whole review or object, or call a
// non-deterministic built-in, so that judging one object for others would change verdicts.
// It is conservative: a reference with a computed key ("input.review.object[k]") reads
// all below its constant part, and an import of input reads all below its path.
func reviewReads(mods []*ast.Module) [][]string {
	var paths [][]string
	whole, nondet := false, false
	var vis *ast.GenericVisitor
	vis = ast.NewGenericVisitor(func(x any) bool {
		switch v := x.(type) {
		case ast.Ref:
			if v.HasPrefix(ast.InputRootRef) {
				var p []string
				for _, t := range v[1:] {
					s, ok := t.Value.(ast.String)
					if !ok {
						break
					}
					p = append(p, string(s))
				}
				switch {
				case len(p) > 0 && p[0] == "parameters":
					// input.parameters is the same for every object of a constraint.
				case len(p) < 2 || p[0] != "review" || (len(p) == 2 && p[1] == "object"):
					whole = true
				default:
					paths = append(paths, p[1:])
				}
				for _, t := range v[1:] {
					vis.Walk(t)
				}
				return true
			}
			if b, ok := ast.BuiltinMap[v.String()]; ok && b.Nondeterministic {
				nondet = true
			}
		case ast.Var:
			if v.Equal(ast.InputRootDocument.Value) {
				whole = true
			}
		}
		return false
	})
	for _, m := range mods {
		vis.Walk(m)
	}
	if whole || nondet {
		return nil
	}
	slices.SortFunc(paths, func(a, b []string) int { return cmp.Or(cmp.Compare(len(a), len(b)), slices.Compare(a, b)) })
	var out [][]string
	for _, p := range paths {
		if !slices.ContainsFunc(out, func(q []string) bool { return len(q) <= len(p) && slices.Equal(q, p[:len(q)]) }) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		// Only parameters are read: every object is judged alike; an empty key says so.
		return [][]string{}
	}
	return out
}

// readsID names a template's reads, so that templates reading the same paths share keys.
func (t *template) readsID() string {
	parts := make([]string, len(t.reads))
	for i, p := range t.reads {
		parts[i] = strings.Join(p, "\x00")
	}
	return strings.Join(parts, "\x01")
}

// readsKey is the part of a review term that the template reads, in Rego's canonical
// text: objects with equal keys get the same violations. Each path gives [value], or []
// where it is undefined. Text is stricter than Rego equality (1 and 1.0 differ), which
// only judges more objects than needed.
func readsKey(reads [][]string, review *ast.Term) string {
	key := make([]*ast.Term, len(reads))
	for i, p := range reads {
		v := review
		for _, k := range p {
			if v = v.Get(ast.StringTerm(k)); v == nil {
				break
			}
		}
		if v == nil {
			key[i] = ast.ArrayTerm()
		} else {
			key[i] = ast.ArrayTerm(v)
		}
	}
	return ast.NewArray(key...).String()
}

func compileConstraint(u map[string]any, tmpl *template) (*constraint, error) {
	spec := asMap(u["spec"])
	c := &constraint{kind: str(u["kind"]), name: str(asMap(u["metadata"])["name"]), tmpl: tmpl}
	var err error
	if c.match, err = compileMatch(asMap(spec["match"])); err != nil {
		return nil, err
	}
	if c.action, err = enforcement(spec); err != nil {
		return nil, err
	}
	params := spec["parameters"]
	if params == nil {
		params = map[string]any{}
	}
	v, err := ast.InterfaceToValue(params)
	if err != nil {
		return nil, fmt.Errorf("spec.parameters: %w", err)
	}
	c.params = ast.NewTerm(v)
	return c, nil
}

// enforcement maps enforcementAction to a severity: deny is an error, warn a warning,
// dryrun only information. "scoped" takes the strictest action of the webhook's entries.
func enforcement(spec map[string]any) (Severity, error) {
	switch a := str(spec["enforcementAction"]); a {
	case "", "deny":
		return SeverityError, nil
	case "warn":
		return SeverityWarning, nil
	case "dryrun":
		return SeverityInfo, nil
	case "scoped":
		best := Severity(0)
		for _, s := range asSlice(spec["scopedEnforcementActions"]) {
			sm := asMap(s)
			points := asSlice(sm["enforcementPoints"])
			webhook := len(points) == 0
			for _, p := range points {
				if n := str(asMap(p)["name"]); n == "*" || n == "validation.gatekeeper.sh" {
					webhook = true
				}
			}
			if !webhook {
				continue
			}
			sev, err := enforcement(map[string]any{"enforcementAction": sm["action"]})
			if err != nil {
				return 0, err
			}
			best = max(best, sev)
		}
		if best == 0 {
			return SeverityInfo, nil
		}
		return best, nil
	default:
		return 0, fmt.Errorf("spec.enforcementAction %q is not deny, warn, dryrun or scoped", a)
	}
}

// violation is one result of a constraint's Rego.
type violation struct {
	msg   string
	field string
}

// evalBatch judges a batch of reviews with one evaluation; the violations come back by
// the reviews' index.
func (c *constraint) evalBatch(ctx context.Context, reviews []*ast.Term) (map[int][]violation, error) {
	input := ast.NewObject(
		ast.Item(ast.StringTerm("reviews"), ast.ArrayTerm(reviews...)),
		ast.Item(ast.StringTerm("parameters"), c.params),
	)
	rs, err := c.tmpl.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalGenerateJSON(keepTerm))
	if err != nil {
		return nil, err
	}
	out := map[int][]violation{}
	for _, r := range rs {
		it, _ := r.Bindings["i"].(*ast.Term)
		var n int
		ok := false
		if it != nil {
			if num, isNum := it.Value.(ast.Number); isNum {
				n, ok = num.Int()
			}
		}
		if !ok || n < 0 || n >= len(reviews) {
			return nil, fmt.Errorf("unexpected review index %v", r.Bindings["i"])
		}
		vt, _ := r.Bindings["v"].(*ast.Term)
		if vt == nil {
			return nil, fmt.Errorf("unexpected violation %v", r.Bindings["v"])
		}
		v := violation{msg: termString(vt.Get(ast.StringTerm("msg")))}
		if d := vt.Get(ast.StringTerm("details")); d != nil {
			if f := d.Get(ast.StringTerm("field")); f != nil {
				if fs, ok := f.Value.(ast.String); ok {
					v.field = string(fs)
				}
			}
		}
		out[n] = append(out[n], v)
	}
	return out, nil
}

// keepTerm hands results back as AST terms: converting every violation to JSON and back
// cost more than judging it.
func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// termString is a string term's value, or the JSON form of any other term as
// fmt.Sprint prints it.
func termString(t *ast.Term) string {
	if t == nil {
		return fmt.Sprint(nil)
	}
	if s, ok := t.Value.(ast.String); ok {
		return string(s)
	}
	v, err := ast.JSON(t.Value)
	if err != nil {
		return t.String()
	}
	return fmt.Sprint(v)
}
