package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// RuleAdmissionPolicy is an admission policy the chain cannot use, or cannot read from the
// cluster: the rest is still judged.
const RuleAdmissionPolicy = "admission-policy"

var admissionPolicyRule = Rule{
	ID:       RuleAdmissionPolicy,
	Severity: SeverityWarning,
	Title:    "An admission policy cannot be used or read, so workloads are judged without it",
	Rationale: "Workloads are judged by the platform's admission chain: its Gatekeeper mutators, " +
		"ConstraintTemplates and Constraints, from the cluster, the snapshot " +
		admission.SnapshotFile + " or the built-in defaults. A template whose Rego does not " +
		"compile, a constraint of an unknown template, a mutator with a bad location, or " +
		"policies the user may not read leave that part out of the check.",
	Remediation: "Fix the policy named, or ask the Platform Administrator for the right named to read the policies; then take a new snapshot.",
}

// AdmissionVerdict is what the admission chain found about one object: a constraint or
// Pod Security verdict, or (Note) a mutation the user must act on.
type AdmissionVerdict struct {
	// Rule is "gatekeeper/<ConstraintKind>" or "pod-security/<check>"; empty for a note.
	Rule       string
	Constraint string
	Severity   Severity
	Message    string
	// Field is the dotted path of the field in the object, where known.
	Field string
	// Note marks a mutation note (Severity info).
	Note bool
}

type admissionResult struct {
	byObject map[*Object][]AdmissionVerdict
}

// Admission returns the admission chain's verdicts and notes on an object: the chain ran
// once over all objects of the check.
func (c *Context) Admission(o *Object) []AdmissionVerdict {
	if c.admission == nil {
		return nil
	}
	return c.admission.byObject[o]
}

// admissionPolicies decides where the policies come from: Options.Admission, the
// cluster's when live, the repository's snapshot, or the built-in defaults.
func (ch *checker) admissionPolicies(ctx context.Context, c *Context, live *argocdmanaged.Clients) (admission.Policies, string, []Finding, error) {
	if ch.opts.Admission != nil {
		return *ch.opts.Admission, "", nil, nil
	}
	if live != nil {
		objs, warnings, err := live.AdmissionPolicies(ctx)
		if err != nil {
			return admission.Policies{}, "", nil, fmt.Errorf("reading the cluster's admission policies: %w", err)
		}
		var fs []Finding
		for _, w := range warnings {
			fs = append(fs, Finding{Rule: RuleAdmissionPolicy, Severity: SeverityWarning, File: "cluster",
				Message: fmt.Sprintf("the cluster's admission policies are judged without what cannot be read: %v", w)})
		}
		if len(objs) > 0 || len(warnings) > 0 {
			var p admission.Policies
			for _, o := range objs {
				if admission.IsPolicy(o) {
					p.Objects = append(p.Objects, o)
				}
			}
			return p, "cluster", fs, nil
		}
	}
	root := ch.opts.RepoRoot
	if c.repo != nil {
		root = c.repo.root
	}
	if root == "" {
		root = ch.baseDir
	}
	file := filepath.Join(root, filepath.FromSlash(admission.SnapshotFile))
	data, err := os.ReadFile(file)
	switch {
	case err == nil:
		p, err := admission.LoadPolicies(data)
		if err != nil {
			return admission.Policies{}, "", []Finding{{Rule: RuleAdmissionPolicy, Severity: SeverityError, File: ch.display(file),
				Message: fmt.Sprintf("the admission snapshot cannot be read (%v); the built-in defaults are used", err)}}, nil
		}
		return p, ch.display(file), nil, nil
	case !errors.Is(err, os.ErrNotExist):
		return admission.Policies{}, "", nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return admission.Builtin(ch.opts.Profile), "", nil, nil
}

// admit runs the admission chain over all objects and indexes its verdicts by object for
// the rules; problems with the policies come back as findings.
func (ch *checker) admit(ctx context.Context, c *Context, live *argocdmanaged.Clients, objs []*Object) ([]Finding, error) {
	pols, source, findings, err := ch.admissionPolicies(ctx, c, live)
	if err != nil {
		return nil, err
	}
	if findings != nil && pols.Objects == nil && source == "" {
		pols = admission.Builtin(ch.opts.Profile)
	}
	opts := admission.DefaultOptions(ch.opts.Profile)
	opts.Workers = ch.workers
	opts.ClusterScoped = func(group, kind string) bool {
		return c.IsClusterScoped(schema.GroupKind{Group: group, Kind: kind})
	}
	var reviewed []admission.Object
	var index []*Object
	moved := map[int]string{} // index in reviewed: the custom pod template path
	namespaces := map[string]bool{}
	for _, o := range objs {
		if o.Content == nil || o.IsArgoCD() {
			continue
		}
		obj := maps.Clone(o.Content)
		meta := maps.Clone(asMapAny(obj["metadata"]))
		if meta == nil {
			meta = map[string]any{}
		}
		if o.Namespace != "" {
			meta["namespace"] = o.Namespace
			namespaces[o.Namespace] = true
		}
		obj["metadata"] = meta
		if t, path := c.PodTemplate(o); t != nil && path != "spec.template" {
			// The chain finds a pod template at spec.template (or a job template); a
			// custom kind's is put there in the copy, and fields are mapped back below.
			spec := maps.Clone(asMapAny(obj["spec"]))
			if spec == nil {
				spec = map[string]any{}
			}
			spec["template"] = t
			obj["spec"] = spec
			moved[len(reviewed)] = path
		}
		reviewed = append(reviewed, obj)
		index = append(index, o)
	}
	field := func(i int, f string) string {
		if path, ok := moved[i]; ok {
			if rest, found := strings.CutPrefix(f, "spec.template"); found {
				return path + rest
			}
		}
		return f
	}
	if live != nil {
		labels, warnings, err := live.NamespaceLabels(ctx, slices.Sorted(maps.Keys(namespaces)))
		if err != nil {
			return nil, fmt.Errorf("reading namespace labels: %w", err)
		}
		opts.Namespaces = labels
		for _, w := range warnings {
			findings = append(findings, Finding{Rule: RuleAdmissionPolicy, Severity: SeverityWarning, File: "cluster",
				Message: fmt.Sprintf("Pod Security levels of this namespace are taken from the profile: %v", w)})
		}
	}
	chain, problems, err := admission.New(ctx, pols, opts)
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		findings = append(findings, Finding{Rule: RuleAdmissionPolicy, Severity: SeverityWarning, File: cmp.Or(source, "built-in admission policies"),
			Object:  ObjectRef{Kind: p.Kind, Name: p.Name},
			Message: fmt.Sprintf("%s %s is left out of the admission chain: %v", p.Kind, p.Name, p.Err)})
	}
	res, err := chain.Review(ctx, reviewed)
	if err != nil {
		return nil, err
	}
	ar := &admissionResult{byObject: map[*Object][]AdmissionVerdict{}}
	for _, v := range res.Verdicts {
		o := index[v.Object]
		ar.byObject[o] = append(ar.byObject[o], AdmissionVerdict{Rule: v.Rule, Constraint: v.Constraint,
			Severity: Severity(v.Severity), Message: v.Message, Field: field(v.Object, v.Path)})
	}
	for _, m := range res.Mutations {
		if m.Note == "" {
			continue
		}
		o := index[m.Object]
		ar.byObject[o] = append(ar.byObject[o], AdmissionVerdict{Severity: SeverityInfo, Message: m.Note, Field: field(m.Object, m.Path), Note: true})
	}
	for _, e := range res.Errors {
		o := index[e.Object]
		findings = append(findings, Finding{Rule: RuleAdmissionPolicy, Severity: SeverityWarning, File: o.File, Line: o.Line,
			Object: o.Ref(), Application: o.Application, Message: fmt.Sprintf("the admission chain cannot judge this object: %v", e.Err)})
	}
	c.admission = ar
	return findings, nil
}

func asMapAny(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
