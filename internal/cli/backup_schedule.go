package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
)

// releaseImageDigest is the digest of this version's release image, stamped (-X) into the
// release archives' binaries by tools/dist/dist.sh after `make image`; empty otherwise.
var releaseImageDigest = ""

type backupScheduleOptions struct {
	genericiooptions.IOStreams
	root       *RootOptions
	window     string
	timezone   string
	to         string
	image      string
	recipients []string
	keep       time.Duration
	forWhom    string

	profile   argocdmanaged.Profile
	namespace string
}

// NewCmdBackupSchedule prints the manifests of a daily export CronJob.
func NewCmdBackupSchedule(root *RootOptions) *cobra.Command {
	o := &backupScheduleOptions{IOStreams: root.IOStreams, root: root}
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Print manifests that run backup export daily in the team's namespace, with retention",
		Long: `Prints a ServiceAccount, a CronJob that runs backup export once a day at a minute chosen in
--window (timeZone set, concurrencyPolicy Forbid), a retention CronJob running backup prune,
a NetworkPolicy and the profile as a ConfigMap, all in the team's namespace (-n). With
--for platform-admin it prints instead the Role and RoleBinding in the Argo CD namespace with
exactly the read rights an export needs: that namespace belongs to the platform, so hand them
to the Platform Administrator. Store credentials go in a Secret named ck8sargo-backup-store in the team's
namespace (for S3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).`,
		Example: `  kubectl ck8sargo backup schedule -n shop --image harbor.example.com/tools/kubectl-ck8sargo:v0.1.0 \
      --to 's3://backups?endpoint=https://s3.example.com&use_path_style=true&region=eu-north-1' \
      --encrypt-to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p > backup-schedule.yaml

  # the read rights to ask the Platform Administrator for
  kubectl ck8sargo backup schedule -n shop --image harbor.example.com/tools/kubectl-ck8sargo:v0.1.0 --for platform-admin`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().StringVar(&o.window, "window", "00:00-06:00", "time window HH:MM-HH:MM in --timezone to start the export in")
	cmd.Flags().StringVar(&o.timezone, "timezone", "Europe/Stockholm", "IANA time zone of the window (the CronJob's timeZone)")
	cmd.Flags().StringVar(&o.to, "to", "", "store URL, object storage (default: the profile's backup.to)")
	cmd.Flags().StringVar(&o.image, "image", "", "container image with kubectl-ck8sargo, with a version tag or digest (default: the release image of the plugin's version in the profile's first registry, pinned by digest in release builds)")
	cmd.Flags().StringArrayVar(&o.recipients, "encrypt-to", nil, "age recipient for Secret data; repeatable (default: the profile's backup.recipients)")
	cmd.Flags().DurationVar(&o.keep, "keep", backup.DefaultKeep, "retention of the backups")
	cmd.Flags().StringVar(&o.forWhom, "for", "team", `"team": the manifests for the team's namespace; "platform-admin": the Role and RoleBinding in the Argo CD namespace to hand to the Platform Administrator`)
	return cmd
}

// Complete loads the profile, takes the namespace (-n, else the kubeconfig context's) and
// picks the release image when --image is not given.
func (o *backupScheduleOptions) Complete(_ *cobra.Command, _ []string) (err error) {
	if o.profile, err = o.root.Profile(); err != nil {
		return err
	}
	if o.root.ConfigFlags.Namespace != nil {
		o.namespace = *o.root.ConfigFlags.Namespace
	}
	if o.namespace == "" {
		// The kubeconfig context's namespace, as kubectl would use; "default" is nobody's team.
		if cur, _, err := o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace(); err == nil && cur != "default" {
			o.namespace = cur
		}
	}
	if o.to == "" {
		o.to = o.profile.Backup.To
	}
	return nil
}

// Validate checks --for.
func (o *backupScheduleOptions) Validate() error {
	if o.forWhom != "team" && o.forWhom != "platform-admin" {
		return UsageErrorf("invalid --for %q: use team or platform-admin", o.forWhom)
	}
	return nil
}

// Run builds the manifests and prints them as one YAML stream.
func (o *backupScheduleOptions) Run(_ context.Context) error {
	p, ns := o.profile, o.namespace
	image := o.image
	if image == "" {
		var err error
		if image, err = backup.ReleaseImage(p, BuildVersion().Version, releaseImageDigest); err != nil {
			return scheduleError(err)
		}
	}
	run, err := backup.Schedule(backup.ScheduleOptions{
		Profile: p, Namespace: ns, Window: o.window, TimeZone: o.timezone, To: o.to,
		Image: image, Recipients: o.recipients, Keep: o.keep,
	})
	if err != nil {
		return scheduleError(err)
	}
	objects := run.Objects
	if o.forWhom == "platform-admin" {
		objects = run.PlatformObjects
		fmt.Fprintf(o.Out, "# For the Platform Administrator: read rights in namespace %s for the ServiceAccount %s/ck8sargo-backup\n", p.ArgoCD.Namespace, ns)
		fmt.Fprintf(o.Out, "# to run kubectl ck8sargo backup export daily (list Argo CD objects and labelled Secrets, get the notifications objects).\n")
	} else {
		fmt.Fprintf(o.Out, "# kubectl ck8sargo backup schedule: export daily at %q (%s), retention %s at %q.\n", run.Cron, o.timezone, o.keep, run.RetentionCron)
		fmt.Fprintf(o.Out, "# The export also needs read rights in namespace %s: ask the Platform Administrator to apply\n# the output of: kubectl ck8sargo backup schedule -n %s --for platform-admin\n", p.ArgoCD.Namespace, ns)
	}
	for _, obj := range objects {
		data, err := yaml.Marshal(obj)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "---\n%s", data)
	}
	return nil
}
