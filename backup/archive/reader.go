package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
)

// Limits on what a reader accepts, so that a crafted archive cannot exhaust memory. An
// object in etcd is at most about 1.5 MiB.
const (
	MaxObjectSize   = 4 << 20
	MaxManifestSize = 128 << 20
)

// Object is one object read from an archive.
type Object struct {
	Entry
	// Data is the object's YAML, decrypted; nil for an encrypted Secret read with
	// ReadOptions.SkipDecrypt.
	Data []byte
}

// ReadOptions say how to read Secrets.
type ReadOptions struct {
	// Identities open encrypted Secrets.
	Identities []age.Identity
	// SkipDecrypt leaves encrypted Secrets closed (Object.Data nil) instead of failing
	// without identities: for checking a backup's integrity without its key.
	SkipDecrypt bool
	// Name, when set, is the name of the backup the archive is read as: its manifest must
	// record that name (ErrNameMismatch), so that another backup's archive copied under
	// this name fails.
	Name string
	// Manifest, when not nil, is the manifest copy stored beside the archive: it must equal
	// the archive's own manifest byte for byte (ErrManifestMismatch).
	Manifest []byte
	// RequireSignature refuses an unsigned archive (ErrUnsigned) and one whose signature
	// cannot be checked with Identities (ErrBadSignature). Without it a signature is
	// still checked when one of Identities made it, and a wrong one is refused.
	RequireSignature bool
}

// Verify reads a whole archive to the verified end of its gzip stream (CRC-32 and size,
// nothing after it): every entry is hashed and matched against the manifest at the end, in
// order, and encrypted Secrets are decrypted (unless SkipDecrypt). It then binds the
// archive to the name and manifest copy of opts and checks the signature (see
// ReadOptions). visit, when not nil, sees each object as it is read, before its checksum
// is confirmed: use it to check, never to act. The returned manifest is only valid when
// the error is nil.
func Verify(r io.Reader, opts ReadOptions, visit func(Object) error) (*Manifest, error) {
	type seenEntry struct{ path, sum string }
	var seen []seenEntry
	var m *Manifest
	err := walk(r, func(hdr *tar.Header, data []byte) error {
		if m != nil {
			return fmt.Errorf("%w: entry %q after the manifest", ErrCorrupt, hdr.Name)
		}
		if hdr.Name == ManifestPath {
			var err error
			m, err = ParseManifest(data)
			return err
		}
		e, err := entryFromPath(hdr.Name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		e.SHA256 = hex.EncodeToString(sum[:])
		e.Size = int64(len(data))
		seen = append(seen, seenEntry{hdr.Name, e.SHA256})
		obj, err := open(e, data, opts)
		if err != nil {
			return err
		}
		if visit != nil {
			return visit(obj)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%w: no manifest (the archive is truncated or not a ck8sargo backup)", ErrCorrupt)
	}
	if len(seen) != len(m.Objects) {
		return nil, fmt.Errorf("%w: the archive holds %d objects, its manifest lists %d", ErrCorrupt, len(seen), len(m.Objects))
	}
	for i, e := range m.Objects {
		if seen[i].path != e.Path {
			return nil, fmt.Errorf("%w: entry %d is %q, the manifest says %q", ErrCorrupt, i, seen[i].path, e.Path)
		}
		if seen[i].sum != e.SHA256 {
			return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, e.Ref(), ErrChecksum)
		}
	}
	if opts.Name != "" && m.Name != opts.Name {
		return nil, fmt.Errorf("%w: the archive of %s is the archive of %q", ErrNameMismatch, opts.Name, m.Name)
	}
	if opts.Manifest != nil && !bytes.Equal(opts.Manifest, m.Bytes()) {
		return nil, ErrManifestMismatch
	}
	if err := checkSignature(m, opts); err != nil {
		return nil, err
	}
	return m, nil
}

// Replay reads an archive already checked with Verify and hands visit each object in
// order, checking each entry's checksum against m before visit sees it, so that an archive
// changed between the two reads stops the replay at the first changed object.
func Replay(r io.Reader, m *Manifest, opts ReadOptions, visit func(Object) error) error {
	i := 0
	return walk(r, func(hdr *tar.Header, data []byte) error {
		if hdr.Name == ManifestPath {
			if i != len(m.Objects) {
				return fmt.Errorf("%w: the archive changed since it was verified", ErrCorrupt)
			}
			return errStop
		}
		if i >= len(m.Objects) || hdr.Name != m.Objects[i].Path {
			return fmt.Errorf("%w: the archive changed since it was verified (entry %q)", ErrCorrupt, hdr.Name)
		}
		e := m.Objects[i]
		i++
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			return fmt.Errorf("%w: %s: %w", ErrCorrupt, e.Ref(), ErrChecksum)
		}
		obj, err := open(e, data, opts)
		if err != nil {
			return err
		}
		return visit(obj)
	})
}

var errStop = errors.New("stop")

// walk reads each regular entry of a gzip'd tar stream into memory, within the limits.
// Unless fn stops it, it reads on to the end of the gzip member, which checks its CRC-32
// and size, and refuses anything after the tar stream's end (but its zero padding) or
// after the gzip member.
func walk(r io.Reader, fn func(*tar.Header, []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	gz, err := gzip.NewReader(br)
	if err != nil {
		return streamError("not a gzip stream", err)
	}
	defer gz.Close()
	gz.Multistream(false)
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return finish(br, gz)
		}
		if err != nil {
			return streamError("reading the tar stream", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return fmt.Errorf("%w: entry %q is not a regular file", ErrCorrupt, hdr.Name)
		}
		limit := int64(MaxObjectSize)
		if hdr.Name == ManifestPath {
			limit = MaxManifestSize
		}
		if hdr.Size < 0 || hdr.Size > limit {
			return fmt.Errorf("%w: entry %q is %d bytes, more than the limit of %d", ErrCorrupt, hdr.Name, hdr.Size, limit)
		}
		// Read what is there rather than allocate what the header claims: a crafted header
		// of 128 MiB over a short stream costs only the bytes it really holds.
		data, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err == nil && int64(len(data)) != hdr.Size {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return streamError(fmt.Sprintf("reading %q", hdr.Name), err)
		}
		if err := fn(hdr, data); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
}

// finish reads the gzip member to its end after the tar stream's end marker: what is left
// must be zero padding, the trailer must match (gzip checks CRC-32 and size at EOF), and
// nothing may follow the member.
func finish(br *bufio.Reader, gz *gzip.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := gz.Read(buf)
		for _, b := range buf[:n] {
			if b != 0 {
				return fmt.Errorf("%w: data after the end of the tar stream", ErrCorrupt)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return streamError("reading the end of the gzip stream", err)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err != nil {
			return fmt.Errorf("%w: reading past the gzip stream: %v", ErrCorrupt, err)
		}
		return fmt.Errorf("%w: data after the end of the gzip stream", ErrCorrupt)
	}
	return nil
}

// streamError classifies a read error of the compressed stream: a stream that ends early
// is ErrTruncated (and ErrCorrupt), anything else ErrCorrupt.
func streamError(step string, err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %w: %s: the stream ends early", ErrCorrupt, ErrTruncated, step)
	case errors.Is(err, gzip.ErrChecksum):
		return fmt.Errorf("%w: %s: the gzip trailer (CRC-32 and size) does not match the data", ErrCorrupt, step)
	}
	return fmt.Errorf("%w: %s: %v", ErrCorrupt, step, err)
}

// entryFromPath parses objects/KIND/NAME.yaml[.age].
func entryFromPath(p string) (Entry, error) {
	rest, ok := strings.CutPrefix(p, "objects/")
	kind, file, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return Entry{}, fmt.Errorf("%w: unexpected entry %q", ErrCorrupt, p)
	}
	encrypted := strings.HasSuffix(file, ".yaml.age")
	name := strings.TrimSuffix(strings.TrimSuffix(file, ".age"), ".yaml")
	e := Entry{Kind: kind, Name: name, Path: p, Encrypted: encrypted}
	if KindRank(kind) < 0 || !validName(name) || EntryPath(kind, name, encrypted) != p || (encrypted && kind != "Secret") {
		return Entry{}, fmt.Errorf("%w: unexpected entry %q", ErrCorrupt, p)
	}
	return e, nil
}

func open(e Entry, data []byte, opts ReadOptions) (Object, error) {
	if !e.Encrypted {
		return Object{Entry: e, Data: data}, nil
	}
	if opts.SkipDecrypt {
		return Object{Entry: e}, nil
	}
	if len(opts.Identities) == 0 {
		return Object{}, fmt.Errorf("%w: the backup's Secrets are encrypted", ErrNoIdentity)
	}
	dec, err := age.Decrypt(bytes.NewReader(data), opts.Identities...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return Object{}, fmt.Errorf("decrypting %s: %w: none of the given identities is a recipient of this backup", e.Ref(), ErrNoIdentity)
		}
		return Object{}, fmt.Errorf("%w: decrypting %s: %v", ErrCorrupt, e.Ref(), err)
	}
	plain, err := io.ReadAll(io.LimitReader(dec, MaxObjectSize+1))
	if err != nil {
		return Object{}, fmt.Errorf("%w: decrypting %s: %v", ErrCorrupt, e.Ref(), err)
	}
	if len(plain) > MaxObjectSize {
		return Object{}, fmt.Errorf("%w: %s is larger than the limit", ErrCorrupt, e.Ref())
	}
	return Object{Entry: e, Data: plain}, nil
}
