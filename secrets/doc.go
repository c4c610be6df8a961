// Package secrets holds what the platform's three secret backends share: helm-secrets with
// sops (package sops), SealedSecrets (package sealed) and vals with Vault (package vals),
// plus the pre-commit scan that keeps plaintext out of git (package scan) and the editing of
// Argo CD Application manifests that wires a secret into a Helm source (package wire).
//
// Each backend is a package of its own that makes sense to import alone; this package only
// holds the small interfaces that more than one backend implements.
package secrets
