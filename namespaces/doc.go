// Package namespaces makes and watches the namespaces a team deploys into on the managed
// Argo CD platform. Argo CD may not create namespaces there: a developer creates a
// subnamespace with HNC (a SubnamespaceAnchor in the parent namespace), HNC creates the
// namespace, and a platform job adds it to the namespaces of Argo CD's cluster Secret about
// every minute. CreateSubnamespace, WaitForNamespace, ListNamespaces and
// PlanSubnamespaceDelete with DeleteSubnamespace make each of those one step, with the
// user's own rights (argocdmanaged.Clients) and the platform's names from
// argocdmanaged.Profile.
package namespaces
