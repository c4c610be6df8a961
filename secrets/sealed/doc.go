// Package sealed produces SealedSecrets (bitnami.com/v1alpha1) in process, with the
// sealed-secrets project's own crypto (RSA-OAEP with a scope label, wrapping an AES-256-GCM
// session key), so that the sealed-secrets controller of the cluster unseals them exactly as
// it unseals kubeseal's.
//
// The controller's certificate comes from a file, an http(s) URL, or the controller itself
// through the API server's service proxy (Controller, ServiceProxy); CertCache keeps it per
// cluster. An expired or malformed certificate is refused. Verify and Reseal ask the
// controller whether it can decrypt a SealedSecret and to re-encrypt it with its newest key.
//
// No function of this package returns, logs or puts in an error a secret value.
package sealed
