package backup_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
)

func scheduleOpts() backup.ScheduleOptions {
	return backup.ScheduleOptions{
		Profile: argocdmanaged.DefaultProfile(), Namespace: "shop",
		To:         "s3://backups?endpoint=https://s3.example.com",
		Image:      "harbor.example.com:5000/tools/kubectl-ck8sargo:v0.1.0",
		Recipients: []string{"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"},
	}
}

func TestScheduleStartsInsideTheWindow(t *testing.T) {
	tests := []struct {
		window   string
		from, to int // minutes of the day, to exclusive; may pass midnight
	}{
		{"00:00-06:00", 0, 5 * 60},
		{"22:00-02:00", 22 * 60, 25 * 60},
		{"03:00-03:30", 3 * 60, 3*60 + 30},
	}
	for _, tt := range tests {
		for _, ns := range []string{"shop", "shop-staging", "payments", "a", "b"} {
			o := scheduleOpts()
			o.Window, o.Namespace = tt.window, ns
			run, err := backup.Schedule(o)
			require.NoError(t, err)
			var m, h int
			_, err = fmt.Sscanf(run.Cron, "%d %d * * *", &m, &h)
			require.NoError(t, err)
			at := h*60 + m
			if at < tt.from {
				at += 24 * 60
			}
			assert.True(t, at >= tt.from && at < tt.to, "%s %s: %s", tt.window, ns, run.Cron)
			cron := run.Objects[3].(*batchv1.CronJob)
			assert.Equal(t, run.Cron, cron.Spec.Schedule)
			assert.Equal(t, batchv1.ForbidConcurrent, cron.Spec.ConcurrencyPolicy)
			assert.Equal(t, "Europe/Stockholm", *cron.Spec.TimeZone)
		}
	}
}

func TestScheduleRefusesWhatThePlatformForbidsOrCannotWork(t *testing.T) {
	tests := []struct {
		name string
		edit func(*backup.ScheduleOptions)
		want string
	}{
		{"no namespace", func(o *backup.ScheduleOptions) { o.Namespace = "" }, "namespace is required"},
		{"a platform namespace", func(o *backup.ScheduleOptions) { o.Namespace = "kube-system" }, "belongs to the platform"},
		{"the latest tag", func(o *backup.ScheduleOptions) { o.Image = "harbor.example.com/x:latest" }, "no fixed tag"},
		{"no tag behind a registry port", func(o *backup.ScheduleOptions) { o.Image = "harbor.example.com:5000/x" }, "no fixed tag"},
		{"a local directory", func(o *backup.ScheduleOptions) { o.To = "file:///backups" }, "needs object storage"},
		{"no store", func(o *backup.ScheduleOptions) { o.To = "" }, "store URL is required"},
		{"no recipients", func(o *backup.ScheduleOptions) { o.Recipients = nil }, "must encrypt"},
		{"a bad recipient", func(o *backup.ScheduleOptions) { o.Recipients = []string{"nope"} }, "invalid age recipient"},
		{"a bad window", func(o *backup.ScheduleOptions) { o.Window = "0-6" }, "invalid window"},
		{"a bad time zone", func(o *backup.ScheduleOptions) { o.TimeZone = "Mars/Olympus" }, "unknown time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := scheduleOpts()
			tt.edit(&o)
			_, err := backup.Schedule(o)
			assert.ErrorContains(t, err, tt.want)
			assert.NotContains(t, err.Error(), "--", "a library error names no CLI flag; the CLI adds it")
		})
	}
	o := scheduleOpts()
	o.Image = "harbor.example.com/x@sha256:" + fmt.Sprintf("%064d", 0)
	_, err := backup.Schedule(o)
	assert.NoError(t, err, "a digest is a fixed image")
}

func TestReleaseImage_isTheVersionInTheEnvironmentsRegistryPinnedByDigest(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	mirrored := argocdmanaged.DefaultProfile()
	mirrored.Registries = []string{"harbor.example.com/"}
	tests := []struct {
		name            string
		profile         argocdmanaged.Profile
		version, digest string
		want, wantErr   string
	}{
		{"the mirror, by digest", mirrored, "v1.2.3", digest, "harbor.example.com/kubectl-ck8sargo:v1.2.3@" + digest, ""},
		{"no registry in the profile", argocdmanaged.DefaultProfile(), "v1.2.3", digest, "ghcr.io/ck8sargo/kubectl-ck8sargo:v1.2.3@" + digest, ""},
		{"no digest known", mirrored, "v1.2.3", "", "harbor.example.com/kubectl-ck8sargo:v1.2.3", ""},
		{"a development build", mirrored, "(devel)", digest, "", "no release version to pick an image by"},
		{"a malformed digest", mirrored, "v1.2.3", "sha256:abc", "", "invalid release image digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := backup.ReleaseImage(tt.profile, tt.version, tt.digest)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
