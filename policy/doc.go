// Package policy checks Kubernetes and Argo CD manifests against the rules of the managed
// Argo CD platform before Argo CD sees them.
//
// The finding model (Finding, Report, Severity) is shared by every check of this project,
// so that policy checks, notification lints and the doctor print the same reports.
package policy
