package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// FormatVersion is the version of the archive layout this package writes and reads.
// Readers refuse any other version rather than guess.
const FormatVersion = 1

// ManifestPath is the name of the manifest entry, always the last in the archive.
const ManifestPath = "manifest.json"

// Encryption modes of Secret data recorded in the manifest.
const (
	EncryptionAge  = "age"
	EncryptionNone = "none"
)

// Kinds are the kinds a backup holds, in the order the archive stores them and a restore
// applies them: what the others refer to comes first.
var Kinds = []string{"Secret", "ConfigMap", "AppProject", "Application", "ApplicationSet"}

// KindRank is the position of kind in Kinds, or -1 for a kind a backup never holds.
func KindRank(kind string) int { return slices.Index(Kinds, kind) }

// Manifest describes one backup.
type Manifest struct {
	FormatVersion int       `json:"formatVersion"`
	Name          string    `json:"name"`
	Created       time.Time `json:"created"`
	// Server is the API server the objects were read from.
	Server string `json:"server"`
	// Namespace is the Argo CD namespace the objects were read from.
	Namespace string `json:"namespace"`
	// Profile is the platform profile the export used.
	Profile    argocdmanaged.Profile `json:"profile"`
	Encryption Encryption            `json:"encryption"`
	Objects    []Entry               `json:"objects"`
	// Counts are the number of objects per kind.
	Counts map[string]int `json:"counts"`
	// Warnings say what the export could not read (for example Secrets it may not list).
	Warnings []string `json:"warnings,omitempty"`
	// Signature, when set, is a MAC over this manifest made with the team's backup key
	// (see Writer.Sign); nil for an unsigned backup.
	Signature *Signature `json:"signature,omitempty"`

	// raw is the manifest exactly as stored, when it was read or written.
	raw []byte
	// signatureChecked says whether a reader checked the signature with the key.
	signatureChecked bool
}

// Bytes is the manifest exactly as it is stored in the archive, when it was read from one
// or written by a Writer; nil for a Manifest built in memory.
func (m *Manifest) Bytes() []byte { return m.raw }

// SignatureChecked says whether Verify checked the manifest's signature with the key it
// was made with. A signed manifest read without that key is signed but unchecked.
func (m *Manifest) SignatureChecked() bool { return m.signatureChecked }

// Encryption says how Secret data is protected.
type Encryption struct {
	// Secrets is EncryptionAge or EncryptionNone.
	Secrets string `json:"secrets"`
	// Recipients are the age recipients (public keys) Secrets are encrypted to.
	Recipients []string `json:"recipients,omitempty"`
}

// Entry is one object in the archive.
type Entry struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Path is the tar entry holding the object.
	Path string `json:"path"`
	// SHA256 is the hex SHA-256 of the stored bytes (the ciphertext when Encrypted).
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	Encrypted bool   `json:"encrypted,omitempty"`
	// ApplicationSet names the ApplicationSet that generated an Application (its owner at
	// export time); empty otherwise. A restore waits for these before it lifts its guard.
	ApplicationSet string `json:"applicationSet,omitempty"`
}

// Ref is "Kind/name", how reports and --only name an object.
func (e Entry) Ref() string { return e.Kind + "/" + e.Name }

// EntryPath is where an object is stored in the archive.
func EntryPath(kind, name string, encrypted bool) string {
	p := path.Join("objects", kind, name+".yaml")
	if encrypted {
		p += ".age"
	}
	return p
}

// Errors a reader returns; a restore refuses the backup on any of them before it applies
// anything.
var (
	// ErrFormatVersion is a backup written in another format version.
	ErrFormatVersion = errors.New("unsupported backup format version")
	// ErrCorrupt is an archive that cannot be read or does not match its manifest.
	ErrCorrupt = errors.New("backup archive is corrupt")
	// ErrChecksum is an object whose bytes do not match the manifest's SHA-256.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrNoIdentity is an encrypted backup read without an age identity that opens it.
	ErrNoIdentity = errors.New("no age identity to decrypt the backup's Secrets")
	// ErrTruncated is an archive that ends before its gzip stream does (returned together
	// with ErrCorrupt).
	ErrTruncated = errors.New("backup archive is truncated")
	// ErrNameMismatch is an archive whose manifest records another backup's name: the
	// archive was copied or renamed from another backup.
	ErrNameMismatch = errors.New("backup archive belongs to another backup")
	// ErrManifestMismatch is a manifest copy stored beside an archive that differs from the
	// manifest inside it.
	ErrManifestMismatch = errors.New("the manifest stored beside the backup differs from the one inside it")
	// ErrUnsigned is an unsigned backup read with ReadOptions.RequireSignature.
	ErrUnsigned = errors.New("backup is not signed")
	// ErrBadSignature is a signature that does not match the manifest, or that cannot be
	// checked with the given identities when a signature is required.
	ErrBadSignature = errors.New("backup signature does not verify")
)

// ParseManifest decodes and checks a manifest: the format version, and that every entry
// has a known kind, a valid name and the path the format gives it.
func ParseManifest(data []byte) (*Manifest, error) {
	var probe struct {
		FormatVersion *int `json:"formatVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrCorrupt, err)
	}
	if probe.FormatVersion == nil {
		return nil, fmt.Errorf("%w: manifest has no formatVersion", ErrCorrupt)
	}
	if *probe.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%w %d: this version of ck8sargo reads format %d; use the ck8sargo release that wrote the backup", ErrFormatVersion, *probe.FormatVersion, FormatVersion)
	}
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrCorrupt, err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	m.raw = data
	return &m, nil
}

func (m *Manifest) check() error {
	switch m.Encryption.Secrets {
	case EncryptionAge, EncryptionNone:
	default:
		return fmt.Errorf("%w: manifest: unknown encryption %q", ErrCorrupt, m.Encryption.Secrets)
	}
	seen := make(map[string]bool, len(m.Objects))
	rank := 0
	counts := map[string]int{}
	for i, e := range m.Objects {
		r := KindRank(e.Kind)
		if r < 0 {
			return fmt.Errorf("%w: manifest: object %d has kind %q, which a backup never holds", ErrCorrupt, i, e.Kind)
		}
		if r < rank {
			return fmt.Errorf("%w: manifest: %s is out of restore order", ErrCorrupt, e.Ref())
		}
		rank = r
		if !validName(e.Name) {
			return fmt.Errorf("%w: manifest: object %d has an invalid name %q", ErrCorrupt, i, e.Name)
		}
		if e.Path != EntryPath(e.Kind, e.Name, e.Encrypted) {
			return fmt.Errorf("%w: manifest: %s has path %q", ErrCorrupt, e.Ref(), e.Path)
		}
		if e.ApplicationSet != "" && (e.Kind != "Application" || !validName(e.ApplicationSet)) {
			return fmt.Errorf("%w: manifest: %s has an invalid applicationSet", ErrCorrupt, e.Ref())
		}
		if e.Encrypted && e.Kind != "Secret" {
			return fmt.Errorf("%w: manifest: %s is marked encrypted", ErrCorrupt, e.Ref())
		}
		if seen[e.Path] {
			return fmt.Errorf("%w: manifest: %s listed twice", ErrCorrupt, e.Ref())
		}
		if len(e.SHA256) != 64 {
			return fmt.Errorf("%w: manifest: %s has no SHA-256", ErrCorrupt, e.Ref())
		}
		seen[e.Path] = true
		counts[e.Kind]++
	}
	for k, n := range m.Counts {
		if counts[k] != n {
			return fmt.Errorf("%w: manifest counts %d %s objects but lists %d", ErrCorrupt, n, k, counts[k])
		}
	}
	return nil
}

// validName accepts Kubernetes object names (DNS subdomains and the looser names some
// kinds allow) but nothing that could escape a path.
func validName(name string) bool {
	if name == "" || len(name) > 253 || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_', r == ':':
		default:
			return false
		}
	}
	return true
}

// Encrypted says whether the backup's Secrets are encrypted.
func (m *Manifest) Encrypted() bool { return m.Encryption.Secrets == EncryptionAge }

// Total is the number of objects.
func (m *Manifest) Total() int { return len(m.Objects) }
