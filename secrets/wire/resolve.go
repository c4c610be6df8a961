package wire

import (
	"fmt"
	"path"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Issue11866 names the Argo CD issue behind the refusals: Argo CD resolves a $ref only at
// the start of a value file, so secrets://$ref/... reaches helm-secrets unresolved.
const Issue11866 = "argoproj/argo-cd#11866"

// Resolved is the valueFiles entry that makes Argo CD hand a helm-secrets file to
// helm-secrets at a path where it is.
type Resolved struct {
	// Entry is the value file to write, such as secrets://secrets.yaml or
	// secrets://../../env/prod/secrets.yaml.
	Entry string `json:"entry"`
	// Note, when not empty, says what the entry relies on in the repo server.
	Note string `json:"note,omitempty"`
}

// UnresolvableError says that no value file form makes Argo CD decrypt the file, why, and
// what to do instead.
type UnresolvableError struct {
	File        string
	Reason      string
	Alternative string
	// OrVault says that keeping the value in Vault, as a vals file parameter
	// (AddFileParameter), is a further alternative.
	OrVault bool
}

func (e *UnresolvableError) Error() string {
	return fmt.Sprintf("%s: %s, so no value file form of it is decrypted; %s", e.File, e.Reason, e.Alternatives())
}

// Alternatives are all that can be done instead, in one clause: Alternative, and Vault when
// OrVault.
func (e *UnresolvableError) Alternatives() string {
	if e.OrVault {
		return e.Alternative + ", or keep the value in Vault and wire it as a vals file parameter"
	}
	return e.Alternative
}

// alternatives are what works where no value file form does, besides Vault.
const alternatives = "keep the encrypted file in the chart's own Git repository and wire it relative to the chart"

// TraversalNote is the Note of an entry that climbs out of the chart directory.
const TraversalNote = "the file is outside the chart directory: helm-secrets follows ../ unless the repo server sets HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL=false"

// ResolveSecretsFile returns the helm.valueFiles entry of sources[i] (a Helm source) that
// makes helm-secrets read file in Argo CD. file is relative to the source's path
// (secrets.yaml), or $REF/PATH in a file of the source with ref REF; a leading secrets://
// is allowed. Argo CD resolves $REF only at the start of a value file and passes a
// secrets:// URL to Helm as it is, and Helm runs helm-secrets in the chart directory. So a
// file of another source is written relative to the chart when that source is the same
// Git repository at the same revision; otherwise no form exists and the error is an
// *UnresolvableError with the reason and the alternatives. Other schemes
// (secrets+gpg-import://, https://) are returned unchanged.
func ResolveSecretsFile(file string, sources []*argocdmanaged.ApplicationSource, i int) (Resolved, error) {
	rest := strings.TrimPrefix(file, "secrets://")
	if rest != file && strings.Contains(rest, "://") || rest == file && strings.Contains(file, "://") {
		return Resolved{Entry: file}, nil
	}
	if i < 0 || i >= len(sources) {
		return Resolved{}, fmt.Errorf("no source %d", i)
	}
	src := sources[i]
	if !strings.HasPrefix(rest, "$") {
		if src.Chart != "" {
			return Resolved{}, chartSourceError(file, src)
		}
		return Resolved{Entry: "secrets://" + rest}, nil
	}
	name, inRef, _ := strings.Cut(rest[1:], "/")
	var ref *argocdmanaged.ApplicationSource
	for _, s := range sources {
		if s.Ref == name && name != "" {
			ref = s
			break
		}
	}
	if ref == nil {
		return Resolved{}, fmt.Errorf("%s: $%s is the ref of no entry of spec.sources", file, name)
	}
	if src.Chart != "" {
		return Resolved{}, chartSourceError(file, src)
	}
	if ref.Chart != "" || argocdmanaged.NormalizeRepoURL(ref.RepoURL) != argocdmanaged.NormalizeRepoURL(src.RepoURL) {
		return Resolved{}, &UnresolvableError{File: file,
			Reason: fmt.Sprintf("$%s is %s, another repository than the chart's (%s), and Argo CD passes secrets://$%s/... to helm-secrets without resolving $%s (%s)",
				name, ref.RepoURL, src.RepoURL, name, name, Issue11866),
			Alternative: alternatives, OrVault: true}
	}
	if revision(ref.TargetRevision) != revision(src.TargetRevision) {
		return Resolved{}, &UnresolvableError{File: file,
			Reason: fmt.Sprintf("$%s names revision %s of the chart's repository and the chart revision %s; Argo CD refuses two revisions of one repository, and does not resolve $%s behind secrets:// (%s)",
				name, revision(ref.TargetRevision), revision(src.TargetRevision), name, Issue11866),
			Alternative: "give both sources the same targetRevision and wire it again"}
	}
	target := path.Clean("/" + inRef)
	chart := path.Clean("/" + src.Path)
	rel, err := relPath(chart, target)
	if err != nil {
		return Resolved{}, fmt.Errorf("%s: %w", file, err)
	}
	r := Resolved{Entry: "secrets://" + rel}
	if strings.HasPrefix(rel, "../") {
		r.Note = TraversalNote
	}
	return r, nil
}

func chartSourceError(file string, src *argocdmanaged.ApplicationSource) error {
	return &UnresolvableError{File: file,
		Reason: fmt.Sprintf("the source is the chart %s from the Helm repository %s, and helm-secrets reads secrets:// files from the unpacked chart, where no file of yours is (and Argo CD does not resolve $ref behind secrets://, %s)",
			src.Chart, src.RepoURL, Issue11866),
		Alternative: fmt.Sprintf("make a Git source with an umbrella chart that depends on %s and keeps secrets.yaml beside its values.yaml", src.Chart), OrVault: true}
}

// revision is a targetRevision as Argo CD reads it: empty is HEAD.
func revision(r string) string {
	if r == "" {
		return "HEAD"
	}
	return r
}

// relPath is the slash path from directory dir to file, both absolute and clean.
func relPath(dir, file string) (string, error) {
	if file == "/" {
		return "", fmt.Errorf("names the repository root, not a file")
	}
	d := strings.Split(strings.Trim(dir, "/"), "/")
	f := strings.Split(strings.Trim(file, "/"), "/")
	if dir == "/" {
		d = nil
	}
	n := 0
	for n < len(d) && n < len(f)-1 && d[n] == f[n] {
		n++
	}
	parts := make([]string, 0, len(d)-n+len(f)-n)
	for range d[n:] {
		parts = append(parts, "..")
	}
	parts = append(parts, f[n:]...)
	return strings.Join(parts, "/"), nil
}
