package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ck8sargo/ck8sargo/secrets/sealed"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
	"github.com/ck8sargo/ck8sargo/secrets/sopsconfig"
	"github.com/ck8sargo/ck8sargo/secrets/vals"
	"github.com/ck8sargo/ck8sargo/secrets/wire"
)

// The secrets libraries name no flag of this plugin: their errors are sentinels and types,
// and the functions here add the flag (or command) that fixes each, keeping the chain for
// errors.Is and errors.As and the exit code of a usage error.

// hinted is err followed by hint, with err's exit code when it has one.
func hinted(err error, hint string) error {
	var ee *exitError
	if errors.As(err, &ee) && ee.Err != nil {
		return &exitError{Code: ee.Code, Err: fmt.Errorf("%w%s", ee.Err, hint)}
	}
	return fmt.Errorf("%w%s", err, hint)
}

// reworded is err with the text of inner (an error in its chain) replaced by text, where the
// plugin says it with its flags; the chain is kept.
func reworded(err, inner error, text string) error {
	return &rewordedError{msg: strings.Replace(err.Error(), inner.Error(), text, 1), err: err}
}

// sopsError adds the flag or command that fixes a secrets/sops error.
func sopsError(err error) error {
	var (
		exists *sops.KeyFileExistsError
		noPub  *sops.NoPublicKeyError
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sops.ErrNoCreationRule):
		return hinted(err, ": run `kubectl ck8sargo secrets init --key KEY` or pass recipients")
	case errors.Is(err, sops.ErrNoKeyring):
		return hinted(err, ": pass --identity FILE or set SOPS_AGE_KEY_FILE")
	case errors.Is(err, sops.ErrNoKey):
		return hinted(err, ": pass --identity FILE with one of their private keys")
	case errors.As(err, &exists):
		return hinted(err, ": move it away or pass --force to replace the key (files encrypted for it can then no longer be decrypted)")
	case errors.As(err, &noPub) && noPub.GnuPGHome == "":
		return hinted(err, ": pass its public key (--public-key FILE) or its private key (--identity FILE)")
	case errors.As(err, &noPub):
		return hinted(err, ": pass --public-key FILE")
	case errors.Is(err, sops.ErrPublicKey):
		return hinted(err, " (private.asc from `secrets keygen`, or `gpg --armor --export-secret-keys FINGERPRINT`)")
	}
	return err
}

// valsSettingsText is what vals-secret says for each vals.Problem, with its flags.
var valsSettingsText = map[vals.Problem]string{
	vals.ProblemNoAddr:                    "the Vault address is missing: pass --addr https://vault.example.com:8200",
	vals.ProblemIDsWithToken:              "a role ID or secret ID was given with --auth-method token: vals uses VAULT_ROLE_ID only with VAULT_AUTH_METHOD=approle and VAULT_SECRET_ID, and would otherwise silently log in with VAULT_TOKEN; pass --auth-method approle --role-id ID --secret-id-file FILE, or drop them",
	vals.ProblemNoToken:                   "--auth-method token needs the token: pass --token-file FILE",
	vals.ProblemAppRoleIncomplete:         "--auth-method approle needs both --role-id and --secret-id-file: with VAULT_ROLE_ID alone vals does not use AppRole",
	vals.ProblemTokenWithAppRole:          "--auth-method approle logs in with the role ID and secret ID; drop --token-file",
	vals.ProblemNoRole:                    "--auth-method kubernetes needs the Vault role name: pass --role-id ROLE",
	vals.ProblemCredentialsWithKubernetes: "--auth-method kubernetes logs in with the repo server's service account; drop --token-file and --secret-id-file",
}

// valsError says a refused vals setting with the flags of vals-secret.
func valsError(err error) error {
	var se *vals.SettingsError
	if errors.As(err, &se) {
		if text, ok := valsSettingsText[se.Problem]; ok {
			return reworded(err, se, vals.ErrInvalidSettings.Error()+": "+text)
		}
	}
	return err
}

// sealedError says a secrets/sealed error with the flags of seal.
func sealedError(err error) error {
	var (
		expired  *sealed.ExpiredCertificateError
		noCtrl   *sealed.NoControllerError
		needNS   *sealed.NamespaceNeededError
		conflict *sealed.NamespaceConflictError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &expired):
		return reworded(err, expired, fmt.Sprintf("the sealing certificate expired on %s; fetch the current one from the controller (omit --cert) or ask the Platform Administrator for it",
			expired.NotAfter.UTC().Format(time.RFC3339)))
	case errors.As(err, &noCtrl):
		return hinted(err, ", or pass --cert")
	case errors.As(err, &conflict):
		return reworded(err, conflict, fmt.Sprintf("secret %q is in namespace %q but --namespace says %q; remove one of them", conflict.Secret, conflict.InSecret, conflict.Given))
	case errors.As(err, &needNS) && needNS.Secret != "":
		return reworded(err, needNS, fmt.Sprintf("secret %q: %s: the %s scope binds the sealed values to the namespace; set metadata.namespace, pass --namespace NS, or seal with --scope cluster-wide", needNS.Secret, sealed.ErrNoNamespace, needNS.Scope))
	case errors.As(err, &needNS) && needNS.Scope == sealed.ScopeStrict:
		return reworded(err, needNS, fmt.Sprintf("%s or name: strict scope needs both --namespace and --name of the Secret the value will be in", sealed.ErrNoNamespace))
	case errors.As(err, &needNS):
		return reworded(err, needNS, fmt.Sprintf("%s: namespace-wide scope needs --namespace", sealed.ErrNoNamespace))
	}
	return err
}

// wireError says a secrets/wire error with the flags of wire.
func wireError(err error) error {
	var (
		unresolvable *wire.UnresolvableError
		several      *wire.SeveralApplicationsError
		outOfRange   *wire.SourceOutOfRangeError
		ambiguous    *wire.AmbiguousSourceError
	)
	switch {
	case errors.As(err, &unresolvable) && unresolvable.OrVault:
		return reworded(err, unresolvable, fmt.Sprintf("%s: %s, so no value file form of it is decrypted; %s, or keep the value in Vault and wire it with --vals",
			unresolvable.File, unresolvable.Reason, unresolvable.Alternative))
	case errors.As(err, &several):
		return reworded(err, several, fmt.Sprintf("the file holds several Applications (%s): name one with --app", strings.Join(several.Names, ", ")))
	case errors.As(err, &outOfRange):
		return reworded(err, outOfRange, fmt.Sprintf("spec.sources has %d entries: --source %d is out of range", outOfRange.Sources, outOfRange.Source))
	case errors.As(err, &ambiguous):
		return reworded(err, ambiguous, fmt.Sprintf("spec.sources has %d sources that may be Helm sources: pick one with --source INDEX or --source-name NAME", ambiguous.Candidates))
	}
	return err
}

// sopsconfigError names the init flag of a bad regular expression.
func sopsconfigError(err error) error {
	var re *sopsconfig.RegexError
	if errors.As(err, &re) {
		return reworded(err, re, "--"+strings.ReplaceAll(re.Field, "_", "-")+": "+re.Err.Error())
	}
	return err
}
