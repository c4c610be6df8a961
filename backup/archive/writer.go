package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"filippo.io/age"
)

// Writer streams a backup archive: Add each object in kind order, then Close, which
// appends the manifest. Nothing but the manifest's object list is kept in memory.
type Writer struct {
	gz         *gzip.Writer
	tw         *tar.Writer
	m          Manifest
	recipients []age.Recipient
	rank       int
	seen       map[string]bool
	closed     bool
	signer     *age.X25519Identity
}

// NewWriter starts an archive on w. m holds the header fields (Name, Created, Server,
// Namespace, Profile, Warnings); Objects, Counts and Encryption are filled in by the Writer.
// Secrets are encrypted to recipients; with none, they are stored in plaintext, which the
// caller must have been asked for. recipientNames are the recipients' public strings, for
// the manifest.
func NewWriter(w io.Writer, m Manifest, recipients []age.Recipient, recipientNames []string) *Writer {
	gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	m.FormatVersion = FormatVersion
	m.Objects = nil
	m.Counts = map[string]int{}
	m.Encryption = Encryption{Secrets: EncryptionNone}
	if len(recipients) > 0 {
		m.Encryption = Encryption{Secrets: EncryptionAge, Recipients: recipientNames}
	}
	return &Writer{gz: gz, tw: tar.NewWriter(gz), m: m, recipients: recipients, seen: map[string]bool{}}
}

// Add stores one object's YAML. Objects must come grouped by kind in the order of Kinds.
func (w *Writer) Add(kind, namespace, name string, manifest []byte) error {
	return w.add(kind, namespace, name, "", manifest)
}

// AddGenerated stores an Application that ApplicationSet appSet generated, recording the
// ApplicationSet in its manifest entry.
func (w *Writer) AddGenerated(namespace, name, appSet string, manifest []byte) error {
	if !validName(appSet) {
		return fmt.Errorf("adding Application/%s: invalid ApplicationSet name %q", name, appSet)
	}
	return w.add("Application", namespace, name, appSet, manifest)
}

func (w *Writer) add(kind, namespace, name, appSet string, manifest []byte) error {
	if w.closed {
		return errors.New("archive writer is closed")
	}
	r := KindRank(kind)
	if r < 0 {
		return fmt.Errorf("adding %s/%s: a backup does not hold %s objects", kind, name, kind)
	}
	if r < w.rank {
		return fmt.Errorf("adding %s/%s: objects must be added in restore order %v", kind, name, Kinds)
	}
	if !validName(name) {
		return fmt.Errorf("adding %s: invalid name %q", kind, name)
	}
	w.rank = r
	encrypted := kind == "Secret" && len(w.recipients) > 0
	data := manifest
	if encrypted {
		var buf bytes.Buffer
		enc, err := age.Encrypt(&buf, w.recipients...)
		if err != nil {
			return fmt.Errorf("encrypting Secret %s: %w", name, err)
		}
		if _, err := enc.Write(manifest); err != nil {
			return fmt.Errorf("encrypting Secret %s: %w", name, err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("encrypting Secret %s: %w", name, err)
		}
		data = buf.Bytes()
	}
	p := EntryPath(kind, name, encrypted)
	if w.seen[p] {
		return fmt.Errorf("adding %s/%s: already in the archive", kind, name)
	}
	w.seen[p] = true
	if err := w.file(p, data); err != nil {
		return fmt.Errorf("adding %s/%s: %w", kind, name, err)
	}
	sum := sha256.Sum256(data)
	w.m.Objects = append(w.m.Objects, Entry{
		Kind: kind, Namespace: namespace, Name: name, Path: p,
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Encrypted: encrypted,
		ApplicationSet: appSet,
	})
	w.m.Counts[kind]++
	return nil
}

func (w *Writer) file(name string, data []byte) error {
	hdr := &tar.Header{
		Name: name, Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg,
		ModTime: w.m.Created.Truncate(time.Second), Format: tar.FormatPAX,
	}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := w.tw.Write(data)
	return err
}

// Close appends the manifest and flushes the stream; it does not close the underlying
// writer. It returns the manifest as written.
func (w *Writer) Close() (*Manifest, error) {
	if w.closed {
		return nil, errors.New("archive writer is closed")
	}
	w.closed = true
	w.m.Signature = nil
	if w.signer != nil {
		w.m.Signature = &Signature{Alg: SignatureHMAC, Key: w.signer.Recipient().String(), MAC: macPlaceholder}
	}
	data, err := json.MarshalIndent(&w.m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	if w.signer != nil {
		if data, err = sign(w.signer, data); err != nil {
			return nil, err
		}
		// The returned manifest carries the MAC that was stored.
		parsed, err := ParseManifest(data)
		if err != nil {
			return nil, fmt.Errorf("signing manifest: %w", err)
		}
		w.m.Signature = parsed.Signature
	}
	w.m.raw = data
	if err := w.file(ManifestPath, data); err != nil {
		return nil, fmt.Errorf("writing manifest: %w", err)
	}
	if err := w.tw.Close(); err != nil {
		return nil, fmt.Errorf("closing archive: %w", err)
	}
	if err := w.gz.Close(); err != nil {
		return nil, fmt.Errorf("closing archive: %w", err)
	}
	m := w.m
	return &m, nil
}

// Sign makes Close sign the manifest with a key derived from id, the team's backup key
// (see SignatureHMAC). Call it before Close.
func (w *Writer) Sign(id *age.X25519Identity) { w.signer = id }

// SetWarnings records what the export could not read, in the manifest.
func (w *Writer) SetWarnings(warnings []string) { w.m.Warnings = warnings }
