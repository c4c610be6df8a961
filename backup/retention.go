package backup

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ck8sargo/ck8sargo/backup/store"
)

// DefaultKeep is how long backups are kept: 30 days, like the platform's own.
const DefaultKeep = 30 * 24 * time.Hour

// incompleteGrace is how old an upload without a manifest must be before a prune takes it
// for a failed one rather than one still running.
const incompleteGrace = 24 * time.Hour

// PruneOptions say which backups to keep.
type PruneOptions struct {
	// Keep is the age past which a backup is deleted; 0 means DefaultKeep.
	Keep time.Duration
	// KeepLast is how many of the newest backups are kept whatever their age.
	KeepLast int
	DryRun   bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// PruneResult lists what a retention run deleted (or would delete, in a dry run) and kept.
type PruneResult struct {
	Deleted    []string `json:"deleted"`
	Kept       []string `json:"kept"`
	Incomplete []string `json:"incomplete,omitempty"`
	DryRun     bool     `json:"dryRun,omitempty"`
}

// Prune deletes backups older than Keep, except the KeepLast newest, and failed uploads
// older than a day. Age is taken from the manifest's creation time.
func Prune(ctx context.Context, st *store.Store, opts PruneOptions) (*PruneResult, error) {
	if opts.Keep < 0 || opts.KeepLast < 0 {
		return nil, fmt.Errorf("--keep and --keep-last must not be negative")
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
	type aged struct {
		name    string
		created time.Time
	}
	var backups []aged
	for _, b := range list {
		info, err := st.Stat(ctx, b.Name)
		if err != nil {
			return nil, err
		}
		backups = append(backups, aged{b.Name, info.Manifest.Created})
	}
	// Newest first.
	slices.SortFunc(backups, func(a, b aged) int { return b.created.Compare(a.created) })
	res := &PruneResult{Deleted: []string{}, Kept: []string{}, DryRun: opts.DryRun}
	for i, b := range backups {
		if i < opts.KeepLast || now.Sub(b.created) <= opts.Keep {
			res.Kept = append(res.Kept, b.name)
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
		if now.Sub(b.Modified) < incompleteGrace {
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
