package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob:// URLs
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob" // gs:// URLs
	_ "gocloud.dev/blob/s3blob"  // s3:// URLs
	"gocloud.dev/gcerrors"

	"github.com/ck8sargo/ck8sargo/backup/archive"
)

// Object name suffixes of a backup.
const (
	ArchiveSuffix  = ".tar.gz"
	ManifestSuffix = ".manifest.json"
)

// ErrNotFound is a backup that is not in the store.
var ErrNotFound = errors.New("backup not found")

// NotFoundError is a backup name that is not in the store at URL; it is ErrNotFound.
type NotFoundError struct{ Name, URL string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: %s is not in %s", ErrNotFound, e.Name, e.URL)
}

// Unwrap makes errors.Is(err, ErrNotFound) hold.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// UnreachableError is a store whose server did not answer at all: a wrong endpoint, a
// name that does not resolve, or a server that is down.
type UnreachableError struct {
	URL string // redacted
	Err error  // the network error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the store %s: %v", e.URL, e.Err)
}

// Unwrap returns the network error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// errorf wraps err, a failed request to the store, with what was being done (format and
// args). A store that could not be reached gives an *UnreachableError instead, holding
// the network error alone: the SDK's retry count and request details around it say
// nothing the user can act on.
func (s *Store) errorf(err error, format string, args ...any) error {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &UnreachableError{URL: s.URL(), Err: dns}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &UnreachableError{URL: s.URL(), Err: op}
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
}

// Store is a place that holds backups.
type Store struct {
	bucket *blob.Bucket
	url    string
}

// Info is one backup of a store.
type Info struct {
	Name string `json:"name"`
	// Size is the archive's size in bytes.
	Size     int64             `json:"size"`
	Modified time.Time         `json:"modified"`
	Manifest *archive.Manifest `json:"-"`
}

// DefaultURL is file://$XDG_DATA_HOME/ck8sargo/backups (~/.local/share when unset).
func DefaultURL() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the default backup directory: %w", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return "file://" + filepath.ToSlash(filepath.Join(dir, "ck8sargo", "backups")), nil
}

// Open opens the store at rawURL. For file:// the directory is created (0700) and files
// are written 0600 next to their final name, then renamed. Credentials for cloud stores
// come from their usual environment (AWS_ACCESS_KEY_ID, GOOGLE_APPLICATION_CREDENTIALS,
// AZURE_STORAGE_ACCOUNT, ...).
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("invalid store URL %q: use file:///path/to/dir, s3://bucket?endpoint=..., gs://bucket or azblob://container", rawURL)
	}
	if u.Scheme == "file" {
		return openFile(u, rawURL)
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", Redact(rawURL), err)
	}
	return &Store{bucket: b, url: rawURL}, nil
}

func openFile(u *url.URL, rawURL string) (*Store, error) {
	dir := u.Path
	if u.Host != "" && u.Host != "localhost" {
		// file://relative/dir: the host part is the first path element.
		dir = filepath.Join(u.Host, u.Path)
	}
	if dir == "" {
		return nil, fmt.Errorf("invalid store URL %q: give a directory, such as file:///var/backups/argocd", rawURL)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating backup directory: %w", err)
	}
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", rawURL, err)
	}
	prefix := u.Query().Get("prefix")
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix)
	}
	return &Store{bucket: b, url: rawURL}, nil
}

// New wraps a bucket an embedder opened itself; url is only used in messages.
func New(b *blob.Bucket, url string) *Store { return &Store{bucket: b, url: url} }

// URL is the store's URL, with any credentials in it removed.
func (s *Store) URL() string { return Redact(s.url) }

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Redact removes user information and secret-looking query parameters from a store URL,
// for messages and output.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "secret") || strings.Contains(lk, "key") || strings.Contains(lk, "token") || strings.Contains(lk, "sig") {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$`)

// ValidName checks a backup name given by a user.
func ValidName(name string) error {
	if !nameRE.MatchString(name) || strings.HasSuffix(name, ArchiveSuffix) || strings.Contains(name, "..") {
		return fmt.Errorf("invalid backup name %q: use a name from `backup list`, such as argocd-backup-20260101T020304Z", name)
	}
	return nil
}

// Upload is a backup being written. Write the archive to it, then Commit with the
// manifest; Abort (or a cancelled context) leaves nothing behind that is listed.
type Upload struct {
	s      *Store
	name   string
	w      *blob.Writer
	cancel context.CancelFunc
	done   bool
}

// Create starts writing backup name. It fails when the name is taken.
func (s *Store) Create(ctx context.Context, name string) (*Upload, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	for _, key := range []string{name + ArchiveSuffix, name + ManifestSuffix} {
		ok, err := s.bucket.Exists(ctx, key)
		if err != nil {
			return nil, s.errorf(err, "checking %s in %s", key, s.URL())
		}
		if ok {
			return nil, fmt.Errorf("backup %s already exists in %s", name, s.URL())
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	w, err := s.bucket.NewWriter(wctx, name+ArchiveSuffix, writerOptions("application/gzip"))
	if err != nil {
		cancel()
		return nil, s.errorf(err, "writing %s to %s", name, s.URL())
	}
	return &Upload{s: s, name: name, w: w, cancel: cancel}, nil
}

// writerOptions makes local files 0600: a backup is sensitive even when its Secrets are
// encrypted (it maps a team's repositories and projects).
func writerOptions(contentType string) *blob.WriterOptions {
	return &blob.WriterOptions{
		ContentType: contentType,
		BeforeWrite: func(as func(any) bool) error {
			var f *os.File
			if as(&f) {
				return f.Chmod(0o600)
			}
			return nil
		},
	}
}

// Write streams archive bytes.
func (u *Upload) Write(p []byte) (int, error) { return u.w.Write(p) }

// Commit finishes the archive and then writes the manifest copy, which makes the backup
// visible to List. The copy is m.Bytes() when m came from an archive.Writer (the archive's
// own manifest, byte for byte), else m encoded.
func (u *Upload) Commit(ctx context.Context, m *archive.Manifest) error {
	if u.done {
		return errors.New("upload already finished")
	}
	u.done = true
	defer u.cancel()
	if err := u.w.Close(); err != nil {
		return u.s.errorf(err, "writing %s to %s", u.name, u.s.URL())
	}
	// The copy is the archive's manifest byte for byte, so that a reader can compare them.
	data := m.Bytes()
	if data == nil {
		var err error
		if data, err = marshalManifest(m); err != nil {
			return err
		}
	}
	if err := u.s.bucket.WriteAll(ctx, u.name+ManifestSuffix, data, writerOptions("application/json")); err != nil {
		// The archive without its manifest copy is not a listed backup; remove it.
		_ = u.s.bucket.Delete(context.WithoutCancel(ctx), u.name+ArchiveSuffix)
		return u.s.errorf(err, "writing the manifest of %s to %s", u.name, u.s.URL())
	}
	return nil
}

// Abort drops the upload. It is safe to call after Commit.
func (u *Upload) Abort() {
	if u.done {
		return
	}
	u.done = true
	u.cancel()
	_ = u.w.Close()
}

// List returns the complete backups, oldest first.
func (s *Store) List(ctx context.Context) ([]Info, error) {
	objs, err := s.topObjects(ctx)
	if err != nil {
		return nil, err
	}
	return complete(objs), nil
}

// Incomplete lists archives without a manifest copy: uploads that failed or are still
// running. Prune removes old ones.
func (s *Store) Incomplete(ctx context.Context) ([]Info, error) {
	objs, err := s.topObjects(ctx)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for _, c := range complete(objs) {
		done[c.Name] = true
	}
	var out []Info
	for _, obj := range objs {
		if n, ok := strings.CutSuffix(obj.Key, ArchiveSuffix); ok && !done[n] {
			out = append(out, Info{Name: n, Size: obj.Size, Modified: obj.ModTime})
		}
	}
	return out, nil
}

// topObjects lists the objects at the top of the bucket, in the bucket's order, without
// the folders: List and Incomplete both judge backups by them.
func (s *Store) topObjects(ctx context.Context) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	it := s.bucket.List(&blob.ListOptions{Delimiter: "/"})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, s.errorf(err, "listing %s", s.URL())
		}
		if !obj.IsDir {
			out = append(out, obj)
		}
	}
}

// complete picks the complete backups of a listing, oldest first: archives with a valid
// name and a manifest copy beside them.
func complete(objs []*blob.ListObject) []Info {
	archives := map[string]*blob.ListObject{}
	manifests := map[string]bool{}
	for _, obj := range objs {
		if n, ok := strings.CutSuffix(obj.Key, ArchiveSuffix); ok && ValidName(n) == nil {
			archives[n] = obj
		} else if n, ok := strings.CutSuffix(obj.Key, ManifestSuffix); ok {
			manifests[n] = true
		}
	}
	var out []Info
	for n, obj := range archives {
		if !manifests[n] {
			continue
		}
		out = append(out, Info{Name: n, Size: obj.Size, Modified: obj.ModTime})
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Stat returns a backup's info with its manifest copy.
func (s *Store) Stat(ctx context.Context, name string) (*Info, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	attrs, err := s.bucket.Attributes(ctx, name+ArchiveSuffix)
	if err != nil {
		return nil, s.notFound(name, err)
	}
	data, err := s.bucket.ReadAll(ctx, name+ManifestSuffix)
	if err != nil {
		return nil, s.notFound(name, err)
	}
	m, err := archive.ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of %s: %w", name, err)
	}
	return &Info{Name: name, Size: attrs.Size, Modified: attrs.ModTime, Manifest: m}, nil
}

// Open reads a backup's archive.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	if ok, err := s.bucket.Exists(ctx, name+ManifestSuffix); err != nil || !ok {
		return nil, s.notFound(name, err)
	}
	r, err := s.bucket.NewReader(ctx, name+ArchiveSuffix, nil)
	if err != nil {
		return nil, s.notFound(name, err)
	}
	return r, nil
}

// OpenArchive reads NAME.tar.gz whether or not its manifest copy exists: for checking an
// upload that never got its copy before removing it.
func (s *Store) OpenArchive(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	r, err := s.bucket.NewReader(ctx, name+ArchiveSuffix, nil)
	if err != nil {
		return nil, s.notFound(name, err)
	}
	return r, nil
}

// Delete removes a backup: the manifest copy first, so that a half-deleted backup is no
// longer listed.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	for _, key := range []string{name + ManifestSuffix, name + ArchiveSuffix} {
		if err := s.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return s.errorf(err, "deleting %s from %s", key, s.URL())
		}
	}
	return nil
}

func (s *Store) notFound(name string, err error) error {
	if err == nil || gcerrors.Code(err) == gcerrors.NotFound {
		return &NotFoundError{Name: name, URL: s.URL()}
	}
	return s.errorf(err, "reading %s from %s", name, s.URL())
}
