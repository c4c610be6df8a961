// Package argocdmanaged holds what this project knows about the managed Argo CD platform:
// the platform profile (Profile: the Argo CD namespace, managed and platform namespaces,
// enabled secret backends, names and labels of the platform's objects), a mirror of the
// Argo CD custom resources (Application, ApplicationSet, AppProject) that keeps every field it
// does not model, API clients built from a kubeconfig, and errors that tell a user what to
// do (ForbiddenError names the right to ask the Platform Administrator for).
//
// The profile is the one place where platform names live; other packages take a Profile.
package argocdmanaged
