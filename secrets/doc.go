// Package secrets holds what the platform's three secret backends share: helm-secrets with
// sops (package sops, with sopsconfig for .sops.yaml), SealedSecrets (package sealed) and
// vals with Vault (package vals), plus the pre-commit scan that keeps plaintext out of git
// (package scan) and the editing of Argo CD Applications that wires a secret into a Helm
// source (package wire).
//
// What the backends really share is behaviour on the platform, not an abstraction over
// encryption: the helm-secrets key Secret and the vals Secret are both Secrets in the Argo
// CD namespace that the user applies with their own rights (ApplySecret), and both are read
// by the repo server only when it starts (CheckRepoServer). Those are functions here. The
// backends' own operations differ too much (a key pair and files, a controller's
// certificate, a Vault) for a common interface to say anything true, so there is none.
package secrets
