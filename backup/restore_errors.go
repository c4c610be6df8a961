package backup

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/archive"
)

// MessageExists is the Message of an object a restore skipped because it exists and
// RestoreOptions.Overwrite is off: a front end can tell the user how to replace it.
const MessageExists = "exists"

// ErrPruneWithOnly is a restore asked both to prune and to restore only some objects: a
// prune compares the whole backup with the cluster, so it cannot be limited.
var ErrPruneWithOnly = errors.New("a prune compares the whole backup with the cluster, so it cannot be limited to some objects")

// InvalidDryRunError is a RestoreOptions.DryRun that is not one of the DryRun modes.
type InvalidDryRunError struct{ Mode argocdmanaged.DryRun }

func (e *InvalidDryRunError) Error() string {
	return fmt.Sprintf("invalid dry-run mode %q: use %q or %q", e.Mode, argocdmanaged.DryRunClient, argocdmanaged.DryRunServer)
}

// InvalidObjectRefError is an entry of RestoreOptions.Only that is not KIND/NAME with a kind
// in scope.
type InvalidObjectRefError struct{ Ref string }

func (e *InvalidObjectRefError) Error() string {
	return fmt.Sprintf("invalid object %q: use KIND/NAME with KIND one of %s", e.Ref, strings.Join(archive.Kinds, ", "))
}

// ObjectNotInBackupError is an entry of RestoreOptions.Only that the backup does not hold.
type ObjectNotInBackupError struct{ Ref, Backup string }

func (e *ObjectNotInBackupError) Error() string {
	return fmt.Sprintf("%s: no such object in backup %s", e.Ref, e.Backup)
}

// Validate checks the options that need no cluster and no backup: the dry-run mode, the
// form of Only, and that Prune and Only are not both set. Restore and RestoreArchive call it
// first; front ends can call it before they open a store.
func (o RestoreOptions) Validate() error {
	if !o.DryRun.Valid() {
		return &InvalidDryRunError{Mode: o.DryRun}
	}
	if o.Prune && len(o.Only) > 0 {
		return ErrPruneWithOnly
	}
	_, err := parseOnly(o.Only)
	return err
}
