// Package report writes a policy.Report as text, JSON, SARIF 2.1.0, JUnit XML or GitHub
// workflow annotations. Every check of this project (policy check, notifications lint,
// doctor) returns a policy.Report and prints it with Write, so that they all read the same.
//
// Rule metadata (titles, explanations, remediations, help links) comes from
// Options.Rules: SARIF lists them as the tool's rules, text prints their remediation.
package report
