package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// The backup library names no flag; the plugin adds the flag that fixes each error, keeps
// the error chain (errors.Is still holds) and exits 2.
func TestBackupErrorsGetTheFlagThatFixesThemAndKeepTheirChain(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		target error
		want   string
	}{
		{"no identity for encrypted Secrets", fmt.Errorf("refusing to restore: %w", fmt.Errorf("%w: the backup's Secrets are encrypted", archive.ErrNoIdentity)), archive.ErrNoIdentity, "pass --identity FILE or set SOPS_AGE_KEY_FILE"},
		{"a backup not in the store", &store.NotFoundError{Name: "argocd-backup-x", URL: "file:///b"}, store.ErrNotFound, "see `kubectl ck8sargo backup list --from file:///b`"},
		{"plaintext Secrets", backup.ErrPlaintextSecrets, backup.ErrPlaintextSecrets, "--encrypt-to or backup.recipients in the profile, or pass --include-plaintext-secrets"},
		{"prune with only", backup.ErrPruneWithOnly, backup.ErrPruneWithOnly, "--prune cannot be combined with --only"},
		{"an object reference", &backup.InvalidObjectRefError{Ref: "pod/x"}, nil, `invalid --only "pod/x": use KIND/NAME`},
		{"a store that does not answer", fmt.Errorf("listing s3://b: %w", &store.UnreachableError{URL: "s3://b", Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}), nil, "cannot reach the store s3://b: dial tcp 127.0.0.1:1: connect: connection refused; check the endpoint in the store URL (--to, --from or backup.to in the profile)"},
		{"an object not in the backup", &backup.ObjectNotInBackupError{Ref: "Application/x", Backup: "b"}, nil, "--only Application/x: no such object in backup b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backupError(tt.err)
			assert.Contains(t, got.Error(), tt.want)
			if tt.target != nil {
				assert.ErrorIs(t, got, tt.target)
			}
			var exit *exitError
			require.ErrorAs(t, got, &exit)
			assert.Equal(t, ExitError, exit.Code)
		})
	}
	assert.NoError(t, backupError(nil))
	other := errors.New("connection refused")
	assert.Same(t, other, backupError(other), "an error about something else is left as it is")
}

func TestScheduleErrorsGetTheFlagThatGivesWhatIsMissing(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{backup.ErrNoNamespace, "the team namespace is required: pass -n NAMESPACE"},
		{backup.ErrNoImage, "an image with kubectl-ck8sargo is required: pass --image"},
		{backup.ErrNoStore, "a store URL is required: pass --to s3://bucket?endpoint=... or set backup.to in the profile"},
		{fmt.Errorf("%w: file:///b is a directory inside the pod and is lost with it", backup.ErrStoreInPod), "lost with it; pass an s3:// (or gs://, azblob://) URL with --to"},
		{backup.ErrNoRecipients, "a scheduled backup must encrypt Secrets: pass --encrypt-to age1... or set backup.recipients in the profile"},
		{backup.ErrNoReleaseImage, "pick an image by; pass --image REGISTRY/kubectl-ck8sargo:TAG"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := scheduleError(tt.err)
			assert.Contains(t, got.Error(), tt.want)
			assert.ErrorIs(t, got, tt.err)
		})
	}
}

func TestDryRunFlagTakesKubectlsModesAndTheOldBooleans(t *testing.T) {
	f := &dryRunFlag{mode: dryRunNone, modes: []string{dryRunNone, dryRunClient}}
	for in, want := range map[string]string{"client": "client", "true": "client", "false": "none", "none": "none"} {
		require.NoError(t, f.Set(in), in)
		assert.Equal(t, want, f.String(), in)
	}
	assert.EqualError(t, f.Set("server"), "use none or client", "pflag says which value of which flag")
	assert.Equal(t, []string{"none", "client"}, f.Values())
}
