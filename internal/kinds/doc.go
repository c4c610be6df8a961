// Package kinds knows which kinds of Kubernetes and of common add-ons are cluster-scoped,
// for input read from files, where no API server says it: the renderer (which, as Argo CD,
// sets no namespace on them) and the policy rules (which forbid them) judge by the same list.
package kinds
