package backup

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// ScheduleOptions describe a daily export run by Kubernetes in the team's own namespace.
type ScheduleOptions struct {
	Profile argocdmanaged.Profile
	// Namespace is the team's namespace the CronJobs run in (required).
	Namespace string
	// Window is when the export may start, "HH:MM-HH:MM" in TimeZone; default the
	// platform's window 00:00-06:00.
	Window string
	// TimeZone is an IANA zone for the CronJob's timeZone field; default Europe/Stockholm
	// (CET, like the platform's own backups).
	TimeZone string
	// To is the store URL; a CronJob needs object storage, not file://.
	To string
	// Image is the container image with kubectl-ck8sargo (required).
	Image string
	// Recipients are age recipients for Secret data; empty means Profile.Backup.Recipients.
	Recipients []string
	// Keep is the retention; 0 means DefaultKeep.
	Keep time.Duration
	// Name prefixes every object; default "ck8sargo-backup".
	Name string
	// StoreSecret is a Secret in Namespace with the store's credentials as environment
	// variables (AWS_ACCESS_KEY_ID, ...); default Name + "-store". It is optional at run
	// time.
	StoreSecret string
}

// ScheduledRun is the objects of a schedule, in apply order, and the minute chosen.
type ScheduledRun struct {
	// Objects go into the team's namespace; the team applies them.
	Objects []runtime.Object
	// PlatformObjects are the Role and RoleBinding in the Argo CD namespace, which belongs
	// to the platform: the Platform Administrator applies them.
	PlatformObjects []runtime.Object
	// Cron is the export's schedule in TimeZone.
	Cron string
	// RetentionCron is the retention job's schedule.
	RetentionCron string
}

// Errors of Schedule and ReleaseImage about what the options lack; a front end adds how its
// user gives it.
var (
	// ErrNoNamespace is a schedule without the team namespace to run in.
	ErrNoNamespace = errors.New("the team namespace is required")
	// ErrNoImage is a schedule without an image that holds the plugin.
	ErrNoImage = errors.New("an image with kubectl-ck8sargo is required")
	// ErrNoStore is a schedule without a store URL.
	ErrNoStore = errors.New("a store URL is required")
	// ErrStoreInPod is a schedule whose store is a directory, which the pod loses when it ends.
	ErrStoreInPod = errors.New("a scheduled backup needs object storage")
	// ErrNoRecipients is a schedule without age recipients: a scheduled export must encrypt.
	ErrNoRecipients = errors.New("a scheduled backup must encrypt Secrets")
	// ErrNoReleaseImage is a build without a release version, so without a release image.
	ErrNoReleaseImage = errors.New("this build of the plugin has no release version to pick an image by")
)

// Schedule builds the manifests that run `backup export` daily: a ServiceAccount, a Role
// in the Argo CD namespace with exactly the read rights an export needs and its
// RoleBinding, the profile as a ConfigMap, a CronJob for the export (timeZone, a minute in
// the window chosen from the namespace so that teams spread out, concurrencyPolicy
// Forbid), a CronJob for retention, and a NetworkPolicy for their pods. The pods meet the
// restricted Pod Security level and the platform's safeguards.
func Schedule(opts ScheduleOptions) (*ScheduledRun, error) {
	if opts.Namespace == "" {
		return nil, ErrNoNamespace
	}
	if opts.Profile.IsPlatformNamespace(opts.Namespace) {
		return nil, fmt.Errorf("namespace %s belongs to the platform; run the backup in one of your own namespaces", opts.Namespace)
	}
	if opts.Image == "" {
		return nil, ErrNoImage
	}
	if strings.HasSuffix(opts.Image, ":latest") || !strings.Contains(imageTagPart(opts.Image), ":") && !strings.Contains(opts.Image, "@") {
		return nil, fmt.Errorf("image %q has no fixed tag: give a version tag or digest (the platform denies latest)", opts.Image)
	}
	u, err := url.Parse(opts.To)
	if opts.To == "" || err != nil || u.Scheme == "" {
		return nil, ErrNoStore
	}
	if u.Scheme == "file" {
		return nil, fmt.Errorf("%w: %s is a directory inside the pod and is lost with it", ErrStoreInPod, opts.To)
	}
	if opts.Window == "" {
		opts.Window = "00:00-06:00"
	}
	if opts.TimeZone == "" {
		opts.TimeZone = "Europe/Stockholm"
	}
	if _, err := time.LoadLocation(opts.TimeZone); err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Stockholm", opts.TimeZone)
	}
	if opts.Name == "" {
		opts.Name = "ck8sargo-backup"
	}
	if opts.StoreSecret == "" {
		opts.StoreSecret = opts.Name + "-store"
	}
	if opts.Keep == 0 {
		opts.Keep = DefaultKeep
	}
	recipients := opts.Recipients
	if len(recipients) == 0 {
		recipients = opts.Profile.Backup.Recipients
	}
	if len(recipients) == 0 {
		return nil, ErrNoRecipients
	}
	if _, err := ParseRecipients(recipients); err != nil {
		return nil, err
	}
	start, end, err := parseWindow(opts.Window)
	if err != nil {
		return nil, err
	}
	at := pickMinute(opts.Namespace+"/"+opts.Name, start, end)
	retention := (at + 60) % (24 * 60)
	run := &ScheduledRun{
		Cron:          fmt.Sprintf("%d %d * * *", at%60, at/60),
		RetentionCron: fmt.Sprintf("%d %d * * *", retention%60, retention/60),
	}
	profileYAML, err := argocdmanaged.MarshalProfile(opts.Profile)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{"app.kubernetes.io/name": opts.Name, "app.kubernetes.io/managed-by": "kubectl-ck8sargo"}
	meta := func(ns, name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}
	}
	argo := opts.Profile.ArgoCD.Namespace
	sa := &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: meta(opts.Namespace, opts.Name)}
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: meta(argo, opts.Name+"-"+opts.Namespace),
		Rules:      exportRules(opts.Profile),
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: meta(argo, opts.Name+"-"+opts.Namespace),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa.Name, Namespace: opts.Namespace}},
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(opts.Namespace, opts.Name+"-profile"),
		Data:       map[string]string{"profile.yaml": string(profileYAML)},
	}
	exportArgs := []string{"backup", "export", "--profile", "/etc/ck8sargo/profile.yaml", "--to", opts.To}
	for _, r := range recipients {
		exportArgs = append(exportArgs, "--encrypt-to", r)
	}
	pruneArgs := []string{"backup", "prune", "--profile", "/etc/ck8sargo/profile.yaml", "--from", opts.To, "--keep", opts.Keep.String()}
	export := cronJob(opts, meta(opts.Namespace, opts.Name), run.Cron, exportArgs, true, labels)
	prune := cronJob(opts, meta(opts.Namespace, opts.Name+"-retention"), run.RetentionCron, pruneArgs, false, labels)
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: meta(opts.Namespace, opts.Name),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": opts.Name}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			// No ingress; egress to the API server, DNS and the store, which are outside
			// the namespace and whose addresses the manifests cannot know.
			Egress: []networkingv1.NetworkPolicyEgressRule{{}},
		},
	}
	run.Objects = []runtime.Object{sa, cm, np, export, prune}
	run.PlatformObjects = []runtime.Object{role, binding}
	return run, nil
}

// exportRules are the rights an export needs in the Argo CD namespace, and no more: list
// the Argo CD kinds and the labelled Secrets (RBAC cannot limit a list by label), get the
// notifications Secret (it has no label) and the ConfigMaps in scope.
func exportRules(p argocdmanaged.Profile) []rbacv1.PolicyRule {
	cms := Scope{Profile: p}.configMaps()
	return []rbacv1.PolicyRule{
		{APIGroups: []string{argocdmanaged.Group}, Resources: []string{"applications", "applicationsets", "appprojects"}, Verbs: []string{"list"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{p.Notifications.Secret}, Verbs: []string{"get"}},
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: cms, Verbs: []string{"get"}},
	}
}

func cronJob(opts ScheduleOptions, meta metav1.ObjectMeta, schedule string, args []string, needsAPI bool, labels map[string]string) *batchv1.CronJob {
	container := corev1.Container{
		Name:  "ck8sargo",
		Image: opts.Image,
		Args:  args,
		EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: opts.StoreSecret}, Optional: ptr.To(true),
		}}},
		Env: []corev1.EnvVar{{Name: "HOME", Value: "/tmp"}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "profile", MountPath: "/etc/ck8sargo", ReadOnly: true},
			{Name: "tmp", MountPath: "/tmp"},
		},
	}
	podLabels := map[string]string{}
	for k, v := range labels {
		podLabels[k] = v
	}
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: meta,
		Spec: batchv1.CronJobSpec{
			Schedule:                   schedule,
			TimeZone:                   ptr.To(opts.TimeZone),
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			StartingDeadlineSeconds:    ptr.To(int64(3600)),
			SuccessfulJobsHistoryLimit: ptr.To(int32(3)),
			FailedJobsHistoryLimit:     ptr.To(int32(3)),
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: batchv1.JobSpec{
					BackoffLimit:          ptr.To(int32(2)),
					ActiveDeadlineSeconds: ptr.To(int64(3 * 3600)),
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: map[string]string{
							// A Job's pod finishes; evicting it loses nothing a rerun would not redo.
							"cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
						}},
						Spec: corev1.PodSpec{
							ServiceAccountName:           opts.Name,
							AutomountServiceAccountToken: ptr.To(needsAPI),
							RestartPolicy:                corev1.RestartPolicyOnFailure,
							SecurityContext: &corev1.PodSecurityContext{
								RunAsNonRoot:   ptr.To(true),
								RunAsUser:      ptr.To(int64(65532)),
								RunAsGroup:     ptr.To(int64(65532)),
								SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
							},
							Containers: []corev1.Container{container},
							Volumes: []corev1.Volume{
								{Name: "profile", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: opts.Name + "-profile"}}}},
								{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("64Mi"))}}},
							},
						},
					},
				},
			},
		},
	}
}

// defaultImageRepository is where the project publishes the release image of the plugin
// (`make image --push`); environments mirror it into a registry of their own.
const defaultImageRepository = "ghcr.io/ck8sargo/kubectl-ck8sargo"

// ReleaseImage is the release image of the plugin's version: in the profile's first
// registry when it has one (where the environment mirrors it: a mirror keeps the digest),
// else defaultImageRepository, with the version's tag, and pinned by digest when the
// release knows it (digest "sha256:..."; empty leaves the tag alone). A build without a
// release version (v...) has no image.
func ReleaseImage(p argocdmanaged.Profile, version, digest string) (string, error) {
	if !strings.HasPrefix(version, "v") {
		return "", ErrNoReleaseImage
	}
	repo := defaultImageRepository
	if len(p.Registries) > 0 {
		repo = strings.TrimSuffix(p.Registries[0], "/") + "/kubectl-ck8sargo"
	}
	image := repo + ":" + version
	if digest != "" {
		if !strings.HasPrefix(digest, "sha256:") || len(digest) != len("sha256:")+64 {
			return "", fmt.Errorf("invalid release image digest %q: want sha256: and 64 hex digits", digest)
		}
		image += "@" + digest
	}
	return image, nil
}

// imageTagPart is the part of an image reference after its registry host, where a tag's
// colon is (a registry port's colon is not a tag).
func imageTagPart(image string) string {
	if i := strings.LastIndex(image, "/"); i >= 0 {
		return image[i+1:]
	}
	return image
}

// parseWindow reads "HH:MM-HH:MM" into minutes of the day; the end may be past midnight.
func parseWindow(w string) (start, end int, err error) {
	a, b, ok := strings.Cut(w, "-")
	if !ok {
		return 0, 0, fmt.Errorf("invalid window %q: use HH:MM-HH:MM, such as 00:00-06:00", w)
	}
	if start, err = parseClock(a); err == nil {
		end, err = parseClock(b)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("invalid window %q: use HH:MM-HH:MM, such as 00:00-06:00", w)
	}
	if end <= start {
		end += 24 * 60
	}
	if end == start {
		return 0, 0, fmt.Errorf("invalid window %q: it is empty", w)
	}
	return start, end, nil
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// pickMinute chooses a start in [start, end), leaving the last hour of a long window free
// for the export to finish, from a hash of key so that the choice is stable.
func pickMinute(key string, start, end int) int {
	span := end - start
	if span > 120 {
		span -= 60
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return (start + int(h.Sum32()%uint32(span))) % (24 * 60)
}
