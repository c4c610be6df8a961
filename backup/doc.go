// Package backup exports, verifies, compares and restores the Argo CD objects a team owns on
// the managed Argo CD platform, with Secret data encrypted with age.
//
// The scope comes from the platform profile (argocdmanaged.Profile): in the Argo CD
// namespace, ApplicationSets, Applications, AppProjects, Secrets labelled
// argocd.argoproj.io/secret-type, the notifications ConfigMap and Secret, and the ConfigMaps
// of backup.configMaps; never anything cluster-scoped, in another namespace, or labelled
// compliantkubernetes.io/nobackup (see Scope).
//
// Export cleans each object (Clean) and streams it into an archive (package
// backup/archive) written to a store (package backup/store). Restore verifies the whole
// archive before it applies anything, then applies in dependency order with server-side
// apply, leaving existing objects alone unless asked, never bringing back an Application's
// operation, and giving ApplicationSets create-update semantics so that they cannot delete
// apps on the way in. Verify and Restore bind an archive to its name and to the manifest
// copy beside it, and check its signature (ExportOptions.Sign; RequireSignature refuses an
// unsigned backup). Diff, Prune (retention, which deletes only archives an export wrote)
// and Schedule (a daily CronJob) complete it.
//
// Every function takes a context and the user's clients, reports progress through the
// Progress interface, and never prints.
package backup
