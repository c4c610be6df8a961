// Package vals sets up vals with HashiCorp Vault for the platform's Argo CD: the
// vals-secret that the repo server reads its Vault settings from (BuildSecret; apply it
// with secrets.ApplySecret),
// the reference syntax that helm-secrets passes to vals (Ref), and a check that every
// reference of an Application resolves in Vault (FindReferences, Check), using the vals
// project's own parser and Vault provider.
//
// No function of this package returns, logs or puts in an error a secret value: a check
// reports whether a value exists, never what it is.
package vals
