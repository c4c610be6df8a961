package report_test

import (
	"os"

	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/report"
)

// Any check's report prints the same way; GitHub annotations for a workflow step here.
func ExampleWrite() {
	rep := policy.Report{Findings: []policy.Finding{{
		Rule: "no-namespace-resource", Severity: policy.SeverityError, File: "deploy/ns.yaml", Line: 1,
		Message:     `Namespace "shop" would have to be created by Argo CD`,
		Remediation: "Create it as an HNC subnamespace of team.",
		Object:      policy.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "shop"},
	}}}
	rep.Count()
	_ = report.Write(os.Stdout, "github", rep, report.Options{})
	// Output:
	// ::error file=deploy/ns.yaml,line=1,title=no-namespace-resource::Namespace shop: Namespace "shop" would have to be created by Argo CD%0Afix: Create it as an HNC subnamespace of team.
}
