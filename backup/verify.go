package backup

import (
	"context"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// ErrInvalidBackup is a backup whose archive is sound but whose objects are not what a
// backup of this scope may hold: out of scope (another namespace, cluster-scoped,
// nobackup), or not parsing as their kind. A restore refuses it before applying anything.
var ErrInvalidBackup = errors.New("backup holds objects a restore must not apply")

// VerifyOptions say how to check a backup.
type VerifyOptions struct {
	Profile argocdmanaged.Profile
	// Identities open the backup's Secrets and check its signature; without them an
	// encrypted backup is checked for integrity only.
	Identities []age.Identity
	// RequireSignature refuses a backup that is not signed (archive.ErrUnsigned) or whose
	// signature the Identities cannot check (archive.ErrBadSignature).
	RequireSignature bool
	Progress         Progress
}

// VerifyResult is what a verification found. Integrity failures (corrupt archive,
// checksum, format version, identity) are returned as errors instead.
type VerifyResult struct {
	Name      string         `json:"name"`
	Objects   int            `json:"objects"`
	Counts    map[string]int `json:"counts"`
	Encrypted bool           `json:"encrypted"`
	// Decrypted says whether the Secrets were decrypted with the given identities.
	Decrypted bool `json:"decrypted"`
	// Signed says whether the manifest is signed; SignedBy is the age recipient (public
	// key) of the identity that signed it, and SignatureChecked whether the signature was
	// checked with that identity (it is refused when it does not match).
	Signed           bool   `json:"signed"`
	SignedBy         string `json:"signedBy,omitempty"`
	SignatureChecked bool   `json:"signatureChecked"`
	// Problems are objects a restore would refuse.
	Problems []string `json:"problems,omitempty"`
}

// OK says whether a restore would accept the backup.
func (r *VerifyResult) OK() bool { return len(r.Problems) == 0 }

// Verify reads backup name from st completely: archive integrity to the end of the gzip
// stream, every checksum, that the archive is the one of this name and equals the manifest
// copy beside it, the signature, decryptability with the identities, and that every object
// parses as its kind and is in scope.
func Verify(ctx context.Context, st *store.Store, name string, opts VerifyOptions) (*VerifyResult, error) {
	ro := archive.ReadOptions{Identities: opts.Identities, SkipDecrypt: len(opts.Identities) == 0, RequireSignature: opts.RequireSignature}
	r, ro, err := openBound(ctx, st, name, ro)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	m, problems, err := verifyArchive(r, Scope{Profile: opts.Profile}, ro, progressOr(opts.Progress))
	if err != nil {
		return nil, fmt.Errorf("verifying %s: %w", name, err)
	}
	res := &VerifyResult{
		Name: m.Name, Objects: m.Total(), Counts: m.Counts, Encrypted: m.Encrypted(),
		Decrypted: m.Encrypted() && !ro.SkipDecrypt, Problems: problems,
		Signed: m.Signature != nil, SignatureChecked: m.SignatureChecked(),
	}
	if m.Signature != nil {
		res.SignedBy = m.Signature.Key
	}
	return res, nil
}

// openBound opens backup name's archive and sets ro to bind it to the name and to the
// manifest copy stored beside it.
func openBound(ctx context.Context, st *store.Store, name string, ro archive.ReadOptions) (io.ReadCloser, archive.ReadOptions, error) {
	info, err := st.Stat(ctx, name)
	if err != nil {
		return nil, ro, err
	}
	ro.Name = name
	ro.Manifest = info.Manifest.Bytes()
	r, err := st.Open(ctx, name)
	return r, ro, err
}

// verifyArchive reads an archive through archive.Verify and checks each object.
func verifyArchive(r io.Reader, scope Scope, ro archive.ReadOptions, progress Progress) (*archive.Manifest, []string, error) {
	var problems []string
	n := 0
	m, err := archive.Verify(r, ro, func(o archive.Object) error {
		n++
		if n%200 == 0 {
			progress.Update("verify", n, -1)
		}
		if o.Data == nil {
			return nil // encrypted, not opened
		}
		if _, p := decodeObject(o, scope); p != "" {
			problems = append(problems, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if m.Namespace != scope.Namespace() {
		problems = append(problems, fmt.Sprintf("the backup was taken from Argo CD namespace %q but the profile's is %q; restore with a profile whose argocd.namespace is %q", m.Namespace, scope.Namespace(), m.Namespace))
	}
	progress.Update("verify", n, n)
	return m, problems, nil
}

// decodeObject parses an archive object and checks it; the problem is "" when the object
// may be restored. Messages name the object, never its data.
func decodeObject(o archive.Object, scope Scope) (*unstructured.Unstructured, string) {
	var obj map[string]any
	if err := yaml.Unmarshal(o.Data, &obj); err != nil || obj == nil {
		return nil, fmt.Sprintf("%s: not a YAML object", o.Ref())
	}
	u := &unstructured.Unstructured{Object: obj}
	if u.GetKind() != o.Kind || u.GetName() != o.Name {
		return nil, fmt.Sprintf("%s: the file holds %s/%s", o.Ref(), u.GetKind(), u.GetName())
	}
	if reason := scope.Check(u); reason != "" {
		return nil, fmt.Sprintf("%s: out of scope: %s", o.Ref(), reason)
	}
	if err := parseAs(u); err != nil {
		return nil, fmt.Sprintf("%s: does not parse as a %s: %v", o.Ref(), o.Kind, err)
	}
	return u, ""
}

func parseAs(u *unstructured.Unstructured) error {
	switch u.GetKind() {
	case "Secret":
		return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &corev1.Secret{})
	case "ConfigMap":
		return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &corev1.ConfigMap{})
	case "AppProject":
		return argocdmanaged.FromUnstructured(u, &argocdmanaged.AppProject{})
	case "Application":
		return argocdmanaged.FromUnstructured(u, &argocdmanaged.Application{})
	case "ApplicationSet":
		return argocdmanaged.FromUnstructured(u, &argocdmanaged.ApplicationSet{})
	}
	return fmt.Errorf("unknown kind %s", u.GetKind())
}
