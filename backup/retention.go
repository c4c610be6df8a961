package backup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// DefaultKeep is how long backups are kept: 30 days, like the platform's own.
const DefaultKeep = 30 * 24 * time.Hour

// incompleteGrace is how old an upload without a manifest must be before a prune takes it
// for a failed one rather than one still running.
const incompleteGrace = 24 * time.Hour

// IsBackupName says whether name is one Export gives by default: NamePrefix and the UTC
// time in NameTimeFormat. Prune deletes nothing else.
func IsBackupName(name string) bool {
	ts, ok := strings.CutPrefix(name, NamePrefix)
	if !ok {
		return false
	}
	t, err := time.Parse(NameTimeFormat, ts)
	return err == nil && t.Format(NameTimeFormat) == ts
}

// PruneOptions say which backups to keep.
type PruneOptions struct {
	// Keep is the age past which a backup is deleted; 0 means DefaultKeep.
	Keep time.Duration
	// KeepLast is how many of the newest backups are kept whatever their age.
	KeepLast int
	// DryRun deletes nothing and says what would be deleted. It is a bool, not an
	// argocdmanaged.DryRun, because a store has no server-side dry run.
	DryRun bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// LeftAlone is an archive in the store that a prune did not touch because it cannot show
// that a backup export wrote it, and why.
type LeftAlone struct {
	// Object is the archive's object name in the store.
	Object string `json:"object"`
	Reason string `json:"reason"`
}

// PruneResult lists what a retention run deleted (or would delete, in a dry run) and kept.
type PruneResult struct {
	Deleted    []string `json:"deleted"`
	Kept       []string `json:"kept"`
	Incomplete []string `json:"incomplete,omitempty"`
	// LeftAlone are archives that are not provably backups; they are never deleted.
	LeftAlone []LeftAlone `json:"leftAlone,omitempty"`
	DryRun    bool        `json:"dryRun,omitempty"`
}

// Prune deletes backups older than Keep, except the KeepLast newest, and failed uploads
// older than a day. It deletes only what an export wrote: an archive under the store's
// prefix whose name is a backup name (IsBackupName) and whose manifest copy, beside it,
// names it, gives the time in its name, and equals the manifest inside the archive, which
// is read completely (without decrypting) before it is deleted. A failed upload (an
// archive without its copy) goes only when it is a complete archive of that name. Any
// other object is left alone and listed in LeftAlone. Age is taken from the manifest's
// creation time.
func Prune(ctx context.Context, st *store.Store, opts PruneOptions) (*PruneResult, error) {
	if opts.Keep < 0 || opts.KeepLast < 0 {
		return nil, errors.New("the retention and the number of backups to keep must not be negative")
	}
	if opts.Keep == 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now()
	list, err := st.List(ctx)
	if err != nil {
		return nil, err
	}
	res := &PruneResult{Deleted: []string{}, Kept: []string{}, DryRun: opts.DryRun}
	leave := func(name, reason string) {
		res.LeftAlone = append(res.LeftAlone, LeftAlone{Object: name + store.ArchiveSuffix, Reason: reason})
	}
	type aged struct {
		name     string
		created  time.Time
		manifest []byte
	}
	var backups []aged
	for _, b := range list {
		if !IsBackupName(b.Name) {
			leave(b.Name, "not named like a backup ("+NamePrefix+"<UTC time>)")
			continue
		}
		info, err := st.Stat(ctx, b.Name)
		switch {
		case errors.Is(err, archive.ErrCorrupt), errors.Is(err, archive.ErrFormatVersion):
			leave(b.Name, "the manifest beside it is not a backup manifest")
			continue
		case err != nil:
			return nil, err
		}
		m := info.Manifest
		if m.Name != b.Name {
			leave(b.Name, fmt.Sprintf("the manifest beside it is the one of %q", m.Name))
			continue
		}
		if NamePrefix+m.Created.UTC().Format(NameTimeFormat) != b.Name {
			leave(b.Name, "the manifest beside it was not created at the time in its name")
			continue
		}
		backups = append(backups, aged{b.Name, m.Created, m.Bytes()})
	}
	// Newest first.
	slices.SortFunc(backups, func(a, b aged) int { return b.created.Compare(a.created) })
	for i, b := range backups {
		if i < opts.KeepLast || now.Sub(b.created) <= opts.Keep {
			res.Kept = append(res.Kept, b.name)
			continue
		}
		if err := checkOwnArchive(ctx, st, b.name, b.manifest); err != nil {
			if !isArchiveProblem(err) {
				return res, err
			}
			leave(b.name, "the archive does not match the manifest beside it: "+err.Error())
			continue
		}
		if !opts.DryRun {
			if err := st.Delete(ctx, b.name); err != nil {
				return res, err
			}
		}
		res.Deleted = append(res.Deleted, b.name)
	}
	incomplete, err := st.Incomplete(ctx)
	if err != nil {
		return res, err
	}
	for _, b := range incomplete {
		if !IsBackupName(b.Name) {
			leave(b.Name, "not named like a backup ("+NamePrefix+"<UTC time>), and no manifest beside it")
			continue
		}
		if now.Sub(b.Modified) < incompleteGrace {
			continue // maybe still being written
		}
		if err := checkOwnArchive(ctx, st, b.Name, nil); err != nil {
			if !isArchiveProblem(err) {
				return res, err
			}
			leave(b.Name, "no manifest beside it, and not a complete backup archive of that name: "+err.Error())
			continue
		}
		if !opts.DryRun {
			if err := st.Delete(ctx, b.Name); err != nil {
				return res, err
			}
		}
		res.Incomplete = append(res.Incomplete, b.Name)
	}
	return res, nil
}

// checkOwnArchive reads backup name's archive to its end, without decrypting, bound to
// its name and (when not nil) to its manifest copy.
func checkOwnArchive(ctx context.Context, st *store.Store, name string, manifest []byte) error {
	r, err := st.OpenArchive(ctx, name)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = archive.Verify(r, archive.ReadOptions{SkipDecrypt: true, Name: name, Manifest: manifest}, nil)
	return err
}

// isArchiveProblem says whether err is about the archive's content rather than about
// reading the store.
func isArchiveProblem(err error) bool {
	for _, e := range []error{archive.ErrCorrupt, archive.ErrChecksum, archive.ErrFormatVersion, archive.ErrNameMismatch, archive.ErrManifestMismatch, archive.ErrBadSignature} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
