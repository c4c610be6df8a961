package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// backupError adds to a backup library error what the user of this plugin does about it
// (the library names no flag), and marks errors about the backup itself (corrupt, wrong
// key, not found, out of scope) and about the options as bad input: exit 2.
func backupError(err error) error {
	if err == nil {
		return nil
	}
	var (
		notFound   *store.NotFoundError
		invalidRef *backup.InvalidObjectRefError
		notInIt    *backup.ObjectNotInBackupError
		unreach    *store.UnreachableError
	)
	switch {
	case errors.As(err, &invalidRef):
		return UsageErrorf("invalid --only %q: use KIND/NAME with KIND one of %s", invalidRef.Ref, strings.Join(archive.Kinds, ", "))
	case errors.As(err, &notInIt):
		return UsageErrorf("--only %s: no such object in backup %s", notInIt.Ref, notInIt.Backup)
	case errors.Is(err, backup.ErrPruneWithOnly):
		return UsageErrorf("--prune cannot be combined with --only: %w", err)
	case errors.As(err, &unreach):
		return &exitError{Code: ExitError, Err: fmt.Errorf("%w; check the endpoint in the store URL (--to, --from or backup.to in the profile) and that the server is up", err)}
	case errors.As(err, &notFound):
		return UsageErrorf("%w; see `kubectl ck8sargo backup list --from %s`", err, notFound.URL)
	case errors.Is(err, archive.ErrNoIdentity):
		return UsageErrorf("%w; pass --identity FILE or set SOPS_AGE_KEY_FILE", err)
	case errors.Is(err, backup.ErrPlaintextSecrets):
		return UsageErrorf("%w: give age recipients with --encrypt-to or backup.recipients in the profile, or pass --include-plaintext-secrets", err)
	case errors.Is(err, archive.ErrCorrupt), errors.Is(err, archive.ErrChecksum),
		errors.Is(err, archive.ErrFormatVersion), errors.Is(err, backup.ErrInvalidBackup):
		return &exitError{Code: ExitError, Err: err}
	case errors.Is(err, archive.ErrUnsigned):
		return UsageErrorf("%w; it was exported without the team's key: export with --identity (or SOPS_AGE_KEY_FILE) to sign it", err)
	case errors.Is(err, archive.ErrBadSignature):
		return UsageErrorf("%w; give the team's key with --identity, and do not restore this backup unless you know who changed it", err)
	case errors.Is(err, archive.ErrNameMismatch), errors.Is(err, archive.ErrManifestMismatch):
		return UsageErrorf("%w; the store was changed after the export: do not restore this backup unless you know who changed it", err)
	}
	return err
}

// scheduleError adds to a backup.Schedule or backup.ReleaseImage error the flag that gives
// what is missing; every such error is bad input.
func scheduleError(err error) error {
	hints := []struct {
		err  error
		hint string
	}{
		{backup.ErrNoNamespace, ": pass -n NAMESPACE"},
		{backup.ErrNoImage, ": pass --image"},
		{backup.ErrNoStore, ": pass --to s3://bucket?endpoint=... or set backup.to in the profile"},
		{backup.ErrStoreInPod, "; pass an s3:// (or gs://, azblob://) URL with --to"},
		{backup.ErrNoRecipients, ": pass --encrypt-to age1... or set backup.recipients in the profile"},
		{backup.ErrNoReleaseImage, "; pass --image REGISTRY/kubectl-ck8sargo:TAG"},
	}
	for _, h := range hints {
		if errors.Is(err, h.err) {
			return UsageErrorf("%w%s", err, h.hint)
		}
	}
	return UsageErrorf("%w", err)
}

// restoreValidate checks the restore options the library checks before any I/O, so that a
// bad combination is refused before the store is opened, with the flags named.
func restoreValidate(opts backup.RestoreOptions) error {
	var dry *backup.InvalidDryRunError
	if err := opts.Validate(); errors.As(err, &dry) {
		return UsageErrorf("invalid --dry-run %q: use client or server", dry.Mode)
	} else if err != nil {
		return backupError(err)
	}
	return nil
}

// skippedMessage is what restore prints for an object it skipped: the library says it
// exists, the plugin says how to replace it.
func skippedMessage(msg string) string {
	if msg == backup.MessageExists {
		return fmt.Sprintf("%s; pass --overwrite to replace it", msg)
	}
	return msg
}
