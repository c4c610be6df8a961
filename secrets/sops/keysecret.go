package sops

import (
	"bytes"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// KeySecret builds the Secret from which the platform's repo server reads the helm-secrets
// private key: its name, namespace, data key and label come from the profile (by default
// helm-secrets-private-keys in argocd-system, data key key.asc, label
// argocd.argoproj.io/secret-type=helm-secrets). privateKey is the armored OpenPGP private
// key (without passphrase) or the age identity file, kept byte for byte. A public key, a
// passphrase-protected key or anything else is refused, as the repo server could not use it.
func KeySecret(p argocdmanaged.Profile, privateKey []byte) (*corev1.Secret, error) {
	hs := p.Features.HelmSecrets
	if hs.KeySecretName == "" || hs.KeySecretDataKey == "" || p.ArgoCD.Namespace == "" {
		return nil, errors.New("the profile names no helm-secrets key Secret (features.helmSecrets.keySecretName, keySecretDataKey, argocd.namespace)")
	}
	if bytes.HasPrefix(bytes.TrimSpace(privateKey), []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		return nil, ErrPublicKey
	}
	if err := NewKeyring().AddIdentity("the private key", privateKey); err != nil {
		return nil, err
	}
	label := hs.KeySecretLabel
	if label == "" {
		label = argocdmanaged.SecretTypeHelmSecrets
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      hs.KeySecretName,
			Namespace: p.ArgoCD.Namespace,
			Labels:    map[string]string{argocdmanaged.SecretTypeLabel: label},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{hs.KeySecretDataKey: bytes.Clone(privateKey)},
	}, nil
}

// KeySecretRef names the Secret for messages: "argocd-system/helm-secrets-private-keys".
func KeySecretRef(p argocdmanaged.Profile) string {
	return fmt.Sprintf("%s/%s", p.ArgoCD.Namespace, p.Features.HelmSecrets.KeySecretName)
}

// ErrPublicKey: KeySecret was given an OpenPGP public key; the repo server needs the
// private key (private.asc of kubectl ck8sargo secrets keygen, or gpg's
// --export-secret-keys).
var ErrPublicKey = errors.New("this is an OpenPGP public key: the repo server needs the private key")
