// Package render turns Argo CD Applications into the objects Argo CD will apply, as the
// repo server of Argo CD v3.5 renders them, in-process: Helm charts (in the checkout, or
// from a Helm repository or OCI registry through a ChartSource), Kustomize overlays with
// every spec.source.kustomize option and helmCharts inflated with the same Helm engine
// (no helm binary), plain and jsonnet directories, multi-source Applications with ref
// sources, ApplicationSets (package render/appset) and apps of apps. Argo CD's settings
// that change what is deployed (argocd-cm: kustomize.buildOptions, resource exclusions and
// inclusions, helm.valuesFileSchemes) are an ArgoCDConfig, read from a manifest or live.
//
// A Result holds, per Application, the objects with the destination namespace set on
// namespaced objects that have none, duplicates resolved as Argo CD's controller resolves
// them, no tracking annotation and no Helm test hooks, and notes for what could not be
// rendered (not-rendered: seen from here it is unknown; render-failed: Argo CD would fail
// too), each naming the Application and the source.
//
// Guarantees:
//   - Confinement: every file read (chart files, value files, kustomize resources, directory
//     manifests, jsonnet imports) is resolved, symbolic links included, and must lie inside
//     RepoRoot; a path leading outside is a render-failed note naming it, never its content.
//     FIFOs and other irregular files are refused without being opened.
//   - Redaction: values decrypted from secrets:// files are tainted; every note is
//     redacted of them, and Result.Redact redacts messages built from rendered objects.
//   - Budgets: each source renders within Options.Timeout and its output within
//     Options.MaxFileSize; past them, a note. Helm's engine is bounded in memory as well.
//   - Offline: with Options.Offline no network is used.
package render
