package sealed

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	"github.com/bitnami-labs/sealed-secrets/pkg/crypto"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
)

// Scope says where a sealed value may be unsealed. The controller encrypts with a label
// made of the namespace and name (strict), the namespace (namespace-wide) or nothing
// (cluster-wide), so a value sealed in one scope cannot be moved out of it.
type Scope string

// The scopes of sealed-secrets. ScopeFromSecret takes the scope from the Secret's
// annotations, strict when it has none.
const (
	ScopeFromSecret Scope = ""
	ScopeStrict     Scope = "strict"
	ScopeNamespace  Scope = "namespace-wide"
	ScopeCluster    Scope = "cluster-wide"
)

// ParseScope reads the name of a scope.
func ParseScope(s string) (Scope, error) {
	switch Scope(s) {
	case ScopeFromSecret, ScopeStrict, ScopeNamespace, ScopeCluster:
		return Scope(s), nil
	}
	return "", fmt.Errorf("unknown scope %q: use strict, namespace-wide or cluster-wide", s)
}

func (s Scope) upstream() ssv1alpha1.SealingScope {
	switch s {
	case ScopeNamespace:
		return ssv1alpha1.NamespaceWideScope
	case ScopeCluster:
		return ssv1alpha1.ClusterWideScope
	}
	return ssv1alpha1.StrictScope
}

func scopeOf(u ssv1alpha1.SealingScope) Scope {
	switch u {
	case ssv1alpha1.NamespaceWideScope:
		return ScopeNamespace
	case ssv1alpha1.ClusterWideScope:
		return ScopeCluster
	}
	return ScopeStrict
}

// ErrNoNamespace is a Secret without namespace sealed in a scope that needs one.
var ErrNoNamespace = errors.New("no namespace")

// NamespaceNeededError: the scope binds the sealed values to a namespace (and for strict
// scope a name) that was not given. It is ErrNoNamespace for errors.Is.
type NamespaceNeededError struct {
	// Secret is the Secret's name; empty for SealRaw, where the value has no Secret yet.
	Secret string
	Scope  Scope
}

func (e *NamespaceNeededError) Error() string {
	switch {
	case e.Secret != "":
		return fmt.Sprintf("secret %q: %s: the %s scope binds the sealed values to the namespace; set metadata.namespace or SealOptions.Namespace, or seal cluster-wide", e.Secret, ErrNoNamespace, e.Scope)
	case e.Scope == ScopeStrict:
		return fmt.Sprintf("%s or name: strict scope needs both the namespace and the name of the Secret the value will be in", ErrNoNamespace)
	}
	return fmt.Sprintf("%s: %s scope needs the namespace", ErrNoNamespace, e.Scope)
}

// Is makes errors.Is(err, ErrNoNamespace) hold.
func (e *NamespaceNeededError) Is(target error) bool { return target == ErrNoNamespace }

// NamespaceConflictError: the Secret names another namespace than SealOptions.Namespace.
type NamespaceConflictError struct {
	Secret string
	// InSecret is the Secret's metadata.namespace, Given is SealOptions.Namespace.
	InSecret, Given string
}

func (e *NamespaceConflictError) Error() string {
	return fmt.Sprintf("secret %q is in namespace %q but the namespace given is %q", e.Secret, e.InSecret, e.Given)
}

// SealOptions tune Seal.
type SealOptions struct {
	// Scope overrides the Secret's scope annotations; ScopeFromSecret keeps them.
	Scope Scope
	// Namespace fills in a Secret without metadata.namespace; a Secret with another
	// namespace is refused, so that a value is never sealed for a namespace by surprise.
	Namespace string
}

// Seal encrypts every value of secret (data and stringData, byte for byte) for the
// controller whose certificate is cert, and returns the SealedSecret that unseals into it.
// secret is not changed.
func Seal(secret *corev1.Secret, cert *Certificate, opts SealOptions) (*ssv1alpha1.SealedSecret, error) {
	if secret.Name == "" {
		return nil, errors.New("the Secret has no metadata.name: a SealedSecret unseals into a Secret of the same name")
	}
	if len(secret.Data) == 0 && len(secret.StringData) == 0 {
		return nil, fmt.Errorf("secret %q has no data: nothing to seal", secret.Name)
	}
	s := secret.DeepCopy()
	switch {
	case opts.Namespace != "" && s.Namespace == "":
		s.Namespace = opts.Namespace
	case opts.Namespace != "" && s.Namespace != opts.Namespace:
		return nil, &NamespaceConflictError{Secret: s.Name, InSecret: s.Namespace, Given: opts.Namespace}
	}
	scope := opts.Scope
	if scope == ScopeFromSecret {
		scope = scopeOf(ssv1alpha1.SecretScope(s))
	}
	s.Annotations = ssv1alpha1.UpdateScopeAnnotations(s.Annotations, scope.upstream())
	if scope != ScopeCluster && s.Namespace == "" {
		return nil, &NamespaceNeededError{Secret: s.Name, Scope: scope}
	}
	// Fields the API server sets have no place in a manifest kept in git.
	s.ResourceVersion, s.UID, s.Generation = "", "", 0
	s.CreationTimestamp = metav1.Time{}
	s.ManagedFields = nil
	ss, err := ssv1alpha1.NewSealedSecret(scheme.Codecs, cert.PublicKey, s)
	if err != nil {
		return nil, fmt.Errorf("sealing Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	ss.TypeMeta = metav1.TypeMeta{APIVersion: ssv1alpha1.SchemeGroupVersion.String(), Kind: "SealedSecret"}
	if len(ss.Annotations) == 0 {
		ss.Annotations = nil
	}
	if len(ss.Spec.Template.Annotations) == 0 {
		ss.Spec.Template.Annotations = nil
	}
	return ss, nil
}

// SealRaw encrypts one value for a Secret named name in namespace (kubeseal --raw): the
// result goes into spec.encryptedData of a SealedSecret by hand. The value is taken as it
// is, with no newline added or removed.
func SealRaw(value []byte, namespace, name string, scope Scope, cert *Certificate) (string, error) {
	if scope == ScopeFromSecret {
		scope = ScopeStrict
	}
	switch {
	case scope == ScopeStrict && (namespace == "" || name == ""):
		return "", &NamespaceNeededError{Scope: scope}
	case scope == ScopeNamespace && namespace == "":
		return "", &NamespaceNeededError{Scope: scope}
	}
	ct, err := crypto.HybridEncrypt(rand.Reader, cert.PublicKey, value, ssv1alpha1.EncryptionLabel(namespace, name, scope.upstream()))
	if err != nil {
		return "", fmt.Errorf("sealing the value: %w", err)
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// ScopeOf is the scope a SealedSecret was sealed in, from its annotations.
func ScopeOf(ss *ssv1alpha1.SealedSecret) Scope { return scopeOf(ss.Scope()) }
