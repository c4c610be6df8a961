// Package policy checks Kubernetes and Argo CD manifests against the rules of the managed
// Argo CD platform before Argo CD sees them.
//
// Check reads files, directories and stdin (multi-document YAML and JSON, Lists unpacked,
// every object with its file and line), renders what the Applications among them deploy
// from the checked repository (Helm charts in-process with helm.sh/helm/v3, Kustomize
// overlays with sigs.k8s.io/kustomize/api/krusty, plain directories as Argo CD reads them),
// optionally adds the Argo CD objects of the live cluster, and runs the rules on every
// object. Problems in the input are findings; files that cannot be read are *FileError
// values returned with the report of everything else.
//
// A Rule is data plus one pure function (see rules.Builtin for the platform's rules); the
// checker adds the ID, severity, remediation, object and location to what it returns.
// The profile (argocdmanaged.Profile) decides namespaces and features, and its Policy
// section disables rules, changes severities and ignores paths; the annotation
// ck8sargo.io/ignore suppresses findings on one object.
//
// The finding model (Finding, Report, Severity) is shared by every check of this project,
// so that policy checks, notification lints and the doctor print the same reports
// (package report).
package policy
