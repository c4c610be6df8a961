package policy

import (
	"fmt"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/policy/fix"
)

// DocsBaseURL is where the rule reference is published; a rule's HelpURI is this page with
// the rule's ID as anchor.
const DocsBaseURL = "https://github.com/ck8sargo/ck8sargo/blob/main/docs/policy.md"

// Rule is one check: metadata plus a pure function. The function says what is wrong; the
// checker adds the ID, severity, remediation, object and location.
type Rule struct {
	// ID is kebab-case and never renamed: ignore annotations, profiles and SARIF use it.
	ID       string
	Severity Severity
	// Title is one line, for lists and doc headings.
	Title string
	// Rationale explains, in one paragraph, why the platform needs the rule.
	Rationale string
	// Remediation is one imperative sentence, in words: it names no command of any tool
	// built on this package.
	Remediation string
	// Fix is the operation the remediation asks for, where it is one that a tool may carry
	// out with a command of its own (package fix); zero otherwise.
	Fix fix.Fix
	// Kinds limits the rule to objects of these kinds; empty means every object.
	Kinds []schema.GroupKind
	// PodTemplates extends Kinds to every kind that creates Pods: Pod, the apps and batch
	// workloads, Argo Rollouts' Rollout, and the profile's policy.podTemplates.
	PodTemplates bool
	// Check returns what is wrong with one object. Nil for findings that the checker
	// itself produces (reading and rendering input), and for rules of other checks
	// (notifications lint, doctor) that only borrow the report writers.
	Check func(c *Context, obj *Object) []Violation
}

// HelpURI is the rule's section of the rule reference.
func (r *Rule) HelpURI() string { return DocsBaseURL + "#" + r.ID }

// Violation is one thing a rule found wrong with an object.
type Violation struct {
	Message string
	// Field is the dotted path of the offending field ("spec.syncPolicy.syncOptions"),
	// used to point at its line; empty points at the object.
	Field string
	// Severity replaces the rule's severity for this violation when set, for rules whose
	// severity depends on the profile (apps-of-apps is a warning when the preview is on).
	Severity Severity
	// Remediation replaces the rule's remediation when set, and Fix the rule's fix with it.
	Remediation string
	Fix         fix.Fix
	// Rule replaces the rule's ID in the finding when set, for a rule that stands for a
	// family of IDs (the admission chain's gatekeeper/<kind> and pod-security/<check>).
	// Ignoring either ID suppresses the finding.
	Rule string
}

// ruleID is kebab-case, or the admission chain's "gatekeeper/<ConstraintKind>" and
// "pod-security/<check>".
var ruleID = regexp.MustCompile(`^([a-z][a-z0-9]*(-[a-z0-9]+)*|gatekeeper/[A-Za-z][A-Za-z0-9]*|pod-security/[A-Za-z][A-Za-z0-9_]*)$`)

// Registry is a validated set of rules, in the order they were given.
type Registry struct {
	rules []Rule
	byID  map[string]int
}

// NewRegistry checks that every rule has a well-formed, unique ID and complete metadata.
func NewRegistry(rules ...Rule) (*Registry, error) {
	r := &Registry{byID: make(map[string]int, len(rules))}
	for _, rule := range rules {
		if !ruleID.MatchString(rule.ID) {
			return nil, fmt.Errorf("rule ID %q is not kebab-case (or gatekeeper/<Kind>, pod-security/<check>)", rule.ID)
		}
		if _, dup := r.byID[rule.ID]; dup {
			return nil, fmt.Errorf("rule %q is registered twice", rule.ID)
		}
		if rule.Title == "" || rule.Remediation == "" || rule.Rationale == "" {
			return nil, fmt.Errorf("rule %q needs a title, a rationale and a remediation", rule.ID)
		}
		if rule.Severity < SeverityInfo || rule.Severity > SeverityError {
			return nil, fmt.Errorf("rule %q has no severity", rule.ID)
		}
		r.byID[rule.ID] = len(r.rules)
		r.rules = append(r.rules, rule)
	}
	return r, nil
}

// Rules returns the registered rules in order.
func (r *Registry) Rules() []Rule { return slices.Clone(r.rules) }

// Lookup returns the rule with an ID.
func (r *Registry) Lookup(id string) (Rule, bool) {
	i, ok := r.byID[id]
	if !ok {
		return Rule{}, false
	}
	return r.rules[i], true
}

func (r *Rule) applies(c *Context, obj *Object) bool {
	if r.PodTemplates && c.HasPodTemplate(obj) {
		return true
	}
	if len(r.Kinds) == 0 {
		return !r.PodTemplates
	}
	for _, gk := range r.Kinds {
		if gk.Kind == obj.Kind && gk.Group == obj.Group {
			return true
		}
	}
	return false
}
