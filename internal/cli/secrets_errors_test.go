package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/sealed"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
	"github.com/ck8sargo/ck8sargo/secrets/sopsconfig"
	"github.com/ck8sargo/ck8sargo/secrets/vals"
	"github.com/ck8sargo/ck8sargo/secrets/wire"
)

// The secrets libraries name no flag; the plugin adds the flag that fixes each error (with
// the words the commands always had), and the error chain stays: errors.Is and errors.As
// still find the library's error.
func TestSecretsErrorsGetTheirFlagsAndKeepTheirChain(t *testing.T) {
	badRegex := errors.New("error parsing regexp: missing closing ): `(`")
	expired := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		hint   func(error) error
		err    error
		target any // an error for errors.Is, or a pointer to an error type for errors.As
		want   string
	}{
		{"no creation rule", sopsError, fmt.Errorf("secrets.yaml: %w", sops.ErrNoCreationRule), sops.ErrNoCreationRule,
			"secrets.yaml: no .sops.yaml creation rule matches it: run `kubectl ck8sargo secrets init --key KEY` or pass recipients"},
		{"no keyring", sopsError, sops.ErrNoKeyring, sops.ErrNoKeyring, "no keyring: pass --identity FILE or set SOPS_AGE_KEY_FILE"},
		{"no key decrypts", sopsError, fmt.Errorf("s.yaml: %w (it is encrypted for age1x; tried: k.txt)", sops.ErrNoKey), sops.ErrNoKey,
			"tried: k.txt): pass --identity FILE with one of their private keys"},
		{"a key file exists", sopsError, &sops.KeyFileExistsError{Path: "keys/key.txt"}, fs.ErrExist,
			"keys/key.txt already exists: move it away or pass --force to replace the key (files encrypted for it can then no longer be decrypted)"},
		{"no public key", sopsError, fmt.Errorf("encrypting s.yaml: %w", &sops.NoPublicKeyError{Fingerprint: "ABCD"}), new(*sops.NoPublicKeyError),
			"no OpenPGP public key for fingerprint ABCD: pass its public key (--public-key FILE) or its private key (--identity FILE)"},
		{"no public key in GnuPG either", sopsError, &sops.NoPublicKeyError{Fingerprint: "ABCD", GnuPGHome: "/h"}, new(*sops.NoPublicKeyError),
			"GnuPG in /h could not encrypt for it either: pass --public-key FILE"},
		{"a public key for key-secret", sopsError, sops.ErrPublicKey, sops.ErrPublicKey,
			"the repo server needs the private key (private.asc from `secrets keygen`, or `gpg --armor --export-secret-keys FINGERPRINT`)"},
		{"vals without address", valsError, &vals.SettingsError{Problem: vals.ProblemNoAddr}, vals.ErrInvalidSettings,
			"invalid Vault settings: the Vault address is missing: pass --addr https://vault.example.com:8200"},
		{"vals approle incomplete", valsError, &vals.SettingsError{Problem: vals.ProblemAppRoleIncomplete}, new(*vals.SettingsError),
			"--auth-method approle needs both --role-id and --secret-id-file"},
		{"vals kubernetes with a token", valsError, &vals.SettingsError{Problem: vals.ProblemCredentialsWithKubernetes}, vals.ErrInvalidSettings,
			"drop --token-file and --secret-id-file"},
		{"an expired certificate", sealedError, &sealed.ExpiredCertificateError{NotAfter: expired}, new(*sealed.ExpiredCertificateError),
			"expired on 2026-01-02T03:04:05Z; fetch the current one from the controller (omit --cert)"},
		{"no controller", sealedError, fmt.Errorf("fetching the certificate: %w", &sealed.NoControllerError{Namespace: "ss", Name: "ctl"}), new(*sealed.NoControllerError),
			"fetching the certificate: no Service ctl in namespace ss: is SealedSecrets installed? Set features.sealedSecrets.controllerNamespace and controllerName in .ck8sargo.yaml, or pass --cert"},
		{"a namespace conflict", sealedError, &sealed.NamespaceConflictError{Secret: "db", InSecret: "a", Given: "b"}, new(*sealed.NamespaceConflictError),
			`secret "db" is in namespace "a" but --namespace says "b"; remove one of them`},
		{"a Secret without namespace", sealedError, &sealed.NamespaceNeededError{Secret: "db", Scope: sealed.ScopeStrict}, sealed.ErrNoNamespace,
			"set metadata.namespace, pass --namespace NS, or seal with --scope cluster-wide"},
		{"a raw value without namespace and name", sealedError, &sealed.NamespaceNeededError{Scope: sealed.ScopeStrict}, sealed.ErrNoNamespace,
			"no namespace or name: strict scope needs both --namespace and --name"},
		{"a raw value without namespace", sealedError, &sealed.NamespaceNeededError{Scope: sealed.ScopeNamespace}, sealed.ErrNoNamespace,
			"no namespace: namespace-wide scope needs --namespace"},
		{"an unresolvable values file", wireError, &wire.UnresolvableError{File: "$v/s.yaml", Reason: "why", Alternative: "do this", OrVault: true}, new(*wire.UnresolvableError),
			"$v/s.yaml: why, so no value file form of it is decrypted; do this, or keep the value in Vault and wire it with --vals"},
		{"several Applications", wireError, &wire.SeveralApplicationsError{Names: []string{"a", "b"}}, new(*wire.SeveralApplicationsError),
			"the file holds several Applications (a, b): name one with --app"},
		{"a source out of range", wireError, &wire.SourceOutOfRangeError{Source: 3, Sources: 1}, new(*wire.SourceOutOfRangeError),
			"spec.sources has 1 entries: --source 3 is out of range"},
		{"no one Helm source", wireError, &wire.AmbiguousSourceError{Candidates: 2}, new(*wire.AmbiguousSourceError),
			"pick one with --source INDEX or --source-name NAME"},
		{"a bad path_regex", sopsconfigError, fmt.Errorf(".sops.yaml: %w", &sopsconfig.RegexError{Field: "path_regex", Err: badRegex}), new(*sopsconfig.RegexError),
			".sops.yaml: --path-regex: error parsing regexp"},
		{"a bad encrypted_regex", sopsconfigError, &sopsconfig.RegexError{Field: "encrypted_regex", Err: badRegex}, new(*sopsconfig.RegexError),
			"--encrypted-regex: error parsing regexp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.hint(tt.err)
			assert.Contains(t, got.Error(), tt.want)
			if target, ok := tt.target.(error); ok {
				assert.ErrorIs(t, got, target)
			} else {
				assert.True(t, errors.As(got, tt.target), "errors.As finds %T in %v", tt.target, got)
			}
		})
	}
}

// A hint keeps a usage error's exit code and shows in the message the plugin prints.
func TestSecretsHintKeepsTheExitCode(t *testing.T) {
	got := sopsError(UsageErrorf("decrypting: %w", sops.ErrNoKeyring))
	code, msg := ExitCode(got)
	assert.Equal(t, ExitError, code)
	assert.Equal(t, "decrypting: no keyring: pass --identity FILE or set SOPS_AGE_KEY_FILE", msg)
	require.ErrorIs(t, got, sops.ErrNoKeyring)

	assert.Equal(t, "a b", fmt.Sprint(sopsError(errors.New("a b"))), "an error without a hint is left as it is")
	assert.NoError(t, sealedError(nil))
}
