// Package diff compares what two renderings of a repository deploy, typically the base and
// the head of a pull request: per Application (matched by namespace and name) and per
// resource (matched by API group, kind, namespace and name), what was added, removed or
// changed, as a unified diff of the YAML with its keys sorted.
//
// Secret data and stringData values are redacted before anything is compared or shown, as
// `argocd app diff` does (every value is "++++++++"): a report says which keys were added,
// removed or changed, never a value.
//
// Write prints a Report as text, markdown sized for a pull-request comment (summary first,
// one collapsible section per Application, truncated with a notice past a size limit), one
// self-contained HTML page, or JSON (documented in docs/render.md).
package diff
