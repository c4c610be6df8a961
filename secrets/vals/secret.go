package vals

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// The data keys of the vals-secret: the environment variables vals reads in the repo server.
const (
	KeyAddr       = "VAULT_ADDR"
	KeyNamespace  = "VAULT_NAMESPACE"
	KeyAuthMethod = "VAULT_AUTH_METHOD"
	KeyRoleID     = "VAULT_ROLE_ID"
	KeySecretID   = "VAULT_SECRET_ID"
	KeyToken      = "VAULT_TOKEN"
)

// AuthMethod is how vals logs in to Vault.
type AuthMethod string

// The auth methods vals supports in the repo server.
const (
	AuthToken      AuthMethod = "token"
	AuthAppRole    AuthMethod = "approle"
	AuthKubernetes AuthMethod = "kubernetes"
)

// ParseAuthMethod reads the name of an auth method.
func ParseAuthMethod(s string) (AuthMethod, error) {
	switch m := AuthMethod(s); m {
	case AuthToken, AuthAppRole, AuthKubernetes:
		return m, nil
	}
	return "", fmt.Errorf("unknown Vault auth method %q: use token, approle or kubernetes", s)
}

// Value is a setting and where it came from, so that an error can name the source without
// showing the value.
type Value struct {
	Data []byte
	// Source names where Data was read, such as "the file /path"; empty for a value given
	// directly.
	Source string
}

// SecretOptions are the Vault settings of the repo server.
type SecretOptions struct {
	// Addr is the Vault URL (VAULT_ADDR).
	Addr string
	// VaultNamespace is the Vault Enterprise namespace (VAULT_NAMESPACE); empty for none.
	VaultNamespace string
	AuthMethod     AuthMethod
	// Token is VAULT_TOKEN, for AuthToken.
	Token Value
	// RoleID is VAULT_ROLE_ID: the AppRole role ID, or the role name for AuthKubernetes.
	RoleID Value
	// SecretID is VAULT_SECRET_ID, for AuthAppRole.
	SecretID Value
}

// ErrInvalidSettings is wrapped by every refusal of BuildSecret.
var ErrInvalidSettings = errors.New("invalid Vault settings")

// Problem names a refusal of BuildSecret about which settings were given, so that a caller
// can say how to give them its own way (the plugin names its flags).
type Problem string

// The problems of the settings given; the other refusals (a bad address, a value that ends
// with a newline) carry no Problem.
const (
	// ProblemNoAddr: Addr is empty.
	ProblemNoAddr Problem = "no-addr"
	// ProblemIDsWithToken: a role ID or secret ID with token auth, which vals ignores for
	// VAULT_TOKEN.
	ProblemIDsWithToken Problem = "ids-with-token"
	// ProblemNoToken: token auth without a token.
	ProblemNoToken Problem = "no-token"
	// ProblemAppRoleIncomplete: AppRole auth without both role ID and secret ID.
	ProblemAppRoleIncomplete Problem = "approle-incomplete"
	// ProblemTokenWithAppRole: a token with AppRole auth.
	ProblemTokenWithAppRole Problem = "token-with-approle"
	// ProblemNoRole: Kubernetes auth without the Vault role name.
	ProblemNoRole Problem = "no-role"
	// ProblemCredentialsWithKubernetes: a token or secret ID with Kubernetes auth.
	ProblemCredentialsWithKubernetes Problem = "credentials-with-kubernetes"
)

// SettingsError is a refusal of BuildSecret about which settings were given; it wraps
// ErrInvalidSettings.
type SettingsError struct {
	Problem Problem
	msg     string
}

func (e *SettingsError) Error() string { return ErrInvalidSettings.Error() + ": " + e.msg }

// Unwrap makes errors.Is(err, ErrInvalidSettings) hold.
func (e *SettingsError) Unwrap() error { return ErrInvalidSettings }

func refuse(p Problem, msg string) error { return &SettingsError{Problem: p, msg: msg} }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidSettings, fmt.Sprintf(format, args...))
}

// checkValue refuses what vals would take silently but Vault would refuse, above all the
// trailing newline that `echo` and most editors leave at the end of a file.
func checkValue(key string, v Value) error {
	if len(v.Data) == 0 {
		return nil
	}
	src := v.Source
	if src == "" {
		src = "the value"
	}
	if bytes.HasSuffix(v.Data, []byte("\n")) || bytes.HasSuffix(v.Data, []byte("\r")) {
		return invalid("%s for %s ends with a newline; vals would send the newline to Vault as part of it and the login would fail. Write the file without one (printf '%%s' \"$VALUE\" > FILE, or truncate -s -1 FILE)", src, key)
	}
	if bytes.ContainsAny(v.Data, "\r\n") {
		return invalid("%s for %s spans several lines; it must be a single value", src, key)
	}
	return nil
}

// BuildSecret makes the vals-secret of profile p: its name, namespace and type label come
// from the profile, its data are the settings byte for byte. Settings that vals would
// misread are refused; above all VAULT_ROLE_ID without VAULT_AUTH_METHOD=approle and
// VAULT_SECRET_ID, with which vals silently logs in with a token instead.
func BuildSecret(p argocdmanaged.Profile, o SecretOptions) (*corev1.Secret, error) {
	if o.Addr == "" {
		return nil, refuse(ProblemNoAddr, "the Vault address is missing (VAULT_ADDR)")
	}
	u, err := url.Parse(o.Addr)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, invalid("the Vault address %q is not an http(s) URL such as https://vault.example.com:8200", o.Addr)
	}
	if strings.TrimSpace(o.Addr) != o.Addr {
		return nil, invalid("the Vault address has spaces or a newline around it")
	}
	for key, v := range map[string]Value{KeyToken: o.Token, KeyRoleID: o.RoleID, KeySecretID: o.SecretID, KeyNamespace: {Data: []byte(o.VaultNamespace)}} {
		if err := checkValue(key, v); err != nil {
			return nil, err
		}
	}
	has := func(v Value) bool { return len(v.Data) > 0 }
	method := o.AuthMethod
	if method == "" {
		method = AuthToken
	}
	switch method {
	case AuthToken:
		if has(o.RoleID) || has(o.SecretID) {
			return nil, refuse(ProblemIDsWithToken, "a role ID or secret ID was given with token auth: vals uses VAULT_ROLE_ID only with VAULT_AUTH_METHOD=approle and VAULT_SECRET_ID, and would otherwise silently log in with VAULT_TOKEN")
		}
		if !has(o.Token) {
			return nil, refuse(ProblemNoToken, "token auth needs the token (VAULT_TOKEN)")
		}
	case AuthAppRole:
		if !has(o.RoleID) || !has(o.SecretID) {
			return nil, refuse(ProblemAppRoleIncomplete, "AppRole auth needs both VAULT_ROLE_ID and VAULT_SECRET_ID: with VAULT_ROLE_ID alone vals does not use AppRole")
		}
		if has(o.Token) {
			return nil, refuse(ProblemTokenWithAppRole, "AppRole auth logs in with the role ID and secret ID, not a token")
		}
	case AuthKubernetes:
		if !has(o.RoleID) {
			return nil, refuse(ProblemNoRole, "Kubernetes auth needs the Vault role name (VAULT_ROLE_ID)")
		}
		if has(o.Token) || has(o.SecretID) {
			return nil, refuse(ProblemCredentialsWithKubernetes, "Kubernetes auth logs in with the repo server's service account, not a token or secret ID")
		}
	default:
		return nil, invalid("unknown auth method %q", method)
	}
	data := map[string][]byte{KeyAddr: []byte(o.Addr), KeyAuthMethod: []byte(method)}
	if o.VaultNamespace != "" {
		data[KeyNamespace] = []byte(o.VaultNamespace)
	}
	for key, v := range map[string]Value{KeyToken: o.Token, KeyRoleID: o.RoleID, KeySecretID: o.SecretID} {
		if has(v) {
			data[key] = bytes.Clone(v.Data)
		}
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      p.Features.Vals.SecretName,
			Namespace: p.ArgoCD.Namespace,
			Labels:    map[string]string{argocdmanaged.SecretTypeLabel: p.Features.Vals.SecretLabel},
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}, nil
}

// DataKeys lists the keys of a Secret, sorted: what may be shown of it.
func DataKeys(s *corev1.Secret) []string {
	keys := make([]string, 0, len(s.Data))
	for k := range s.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
