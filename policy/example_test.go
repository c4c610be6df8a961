package policy_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

// Check a manifest read from stdin (here a string) with every built-in rule, as a CI gate
// would.
func ExampleCheck() {
	manifest := `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd-system}
spec:
  project: shop
  source: {repoURL: https://git.example.com/team/deploy.git, path: apps/shop}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  syncPolicy:
    syncOptions: [CreateNamespace=true]
`
	opts := policy.DefaultOptions()
	opts.Rules = rules.Builtin()
	opts.NoRender = true // the example has no repository to render from
	rep, err := policy.Check(context.Background(), policy.Inputs{Paths: []string{"-"}, Stdin: strings.NewReader(manifest)}, opts)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, f := range rep.Findings {
		fmt.Printf("%s:%d %s %s\n", f.File, f.Line, f.Rule, f.Severity)
	}
	fmt.Println("fails:", rep.Fails(policy.SeverityError))
	// Output:
	// <stdin>:9 no-create-namespace error
	// fails: true
}

// A rule is data plus one pure function; the checker adds location, severity and fix.
func ExampleRule() {
	noConfigMaps := policy.Rule{
		ID:          "no-configmap-data",
		Severity:    policy.SeverityWarning,
		Title:       "A ConfigMap holds data",
		Rationale:   "This team keeps settings in the chart's values.",
		Remediation: "Move the data to values.yaml.",
		Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
			if o.Kind == "ConfigMap" && len(o.Map("data")) > 0 {
				return []policy.Violation{{Message: fmt.Sprintf("ConfigMap %q has data", o.Name), Field: "data"}}
			}
			return nil
		},
	}
	opts := policy.DefaultOptions()
	opts.Rules = []policy.Rule{noConfigMaps}
	rep, _ := policy.Check(context.Background(), policy.Inputs{Paths: []string{"-"},
		Stdin: strings.NewReader("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata:\n  mode: fast\n")}, opts)
	f := rep.Findings[0]
	fmt.Println(f.Line, f.Rule, f.Severity, f.Message, "/", f.Remediation)
	// Output:
	// 4 no-configmap-data warning ConfigMap "settings" has data / Move the data to values.yaml.
}
