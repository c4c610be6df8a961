// Package rules holds the built-in rules of the policy check: the managed platform's rules
// for Argo CD objects and the manifests they deploy, and the workload safeguards that mirror
// the platform's admission policies.
//
// Builtin returns them all, in a fixed order; embedders may pass a subset to
// policy.Options.Rules. Importing the package registers nothing.
package rules
