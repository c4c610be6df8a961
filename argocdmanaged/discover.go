package argocdmanaged

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Discovery is a profile completed from a live cluster, with what could not be looked at.
type Discovery struct {
	Profile Profile
	// Warnings name the probes that could not be made (usually for lack of rights) and
	// so left their part of the profile as it was.
	Warnings []string
}

var (
	secretsResource     = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	deploymentsResource = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	servicesResource    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	// NamespacesResource is the core Namespace resource, for dynamic and metadata clients.
	NamespacesResource = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// Discover completes base from the cluster: the managed namespaces from the namespaces field
// of Argo CD's in-cluster cluster Secret, the platform namespaces from their owner label, and
// the secret features from the presence of their Secrets and of the sealed-secrets
// controller Service. A probe the user may not make is a warning, not an error; an error is
// returned only when the cluster cannot be asked at all.
func Discover(ctx context.Context, c *Clients, base Profile) (*Discovery, error) {
	d := &Discovery{Profile: base.Clone()}
	steps := []func(context.Context, *Clients) error{
		d.clusterSecret, d.platformNamespaces, d.helmSecrets, d.vals, d.sealedSecrets, d.argoCDVersion,
	}
	var forbidden []error
	for _, step := range steps {
		err := step(ctx, c)
		var fe *ForbiddenError
		switch {
		case err == nil:
		case errors.As(err, &fe):
			forbidden = append(forbidden, err)
			d.Warnings = append(d.Warnings, err.Error())
		default:
			return nil, err
		}
	}
	// An identity that may look at nothing has not discovered anything: that is an error,
	// and the first refusal says which right to ask for.
	if len(forbidden) == len(steps) {
		return nil, fmt.Errorf("discovering the profile: %w (and %d more refusals)", forbidden[0], len(forbidden)-1)
	}
	return d, nil
}

func (d *Discovery) clusterSecret(ctx context.Context, c *Clients) error {
	p := &d.Profile
	s, managed, err := ClusterSecret(ctx, c, p)
	if err != nil {
		return err
	}
	if s == nil {
		d.Warnings = append(d.Warnings, fmt.Sprintf("no Argo CD cluster Secret for %s in namespace %s; managed namespaces unknown", p.ArgoCD.Server, p.ArgoCD.Namespace))
		return nil
	}
	p.Namespaces.Managed = managed
	p.setSource("namespaces.managed", fmt.Sprintf("cluster: Secret %s/%s, field namespaces", s.Namespace, s.Name))
	return nil
}

// ClusterSecret finds Argo CD's cluster Secret for the in-cluster destination of p and
// returns it with the sorted namespaces of its namespaces field: the namespaces Argo CD
// manages. A nil Secret and no error mean there is none. Every reader of the managed list
// goes through here, so that they all agree on which Secret and which field count.
func ClusterSecret(ctx context.Context, c *Clients, p *Profile) (*corev1.Secret, []string, error) {
	ns := p.ArgoCD.Namespace
	list, err := c.Kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: SecretTypeLabel + "=" + SecretTypeCluster})
	if err != nil {
		return nil, nil, c.Explain(err, "list", secretsResource, ns, "")
	}
	for i := range list.Items {
		s := &list.Items[i]
		server, name := string(s.Data["server"]), string(s.Data["name"])
		if server != p.ArgoCD.Server && name != p.ArgoCD.ServerName {
			continue
		}
		return s, splitNamespaces(string(s.Data["namespaces"])), nil
	}
	return nil, nil, nil
}

func splitNamespaces(field string) []string {
	var out []string
	for n := range strings.SplitSeq(field, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (d *Discovery) platformNamespaces(ctx context.Context, c *Clients) error {
	list, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: PlatformOwnerLabel + "=" + PlatformOwnerValue})
	if err != nil {
		return c.Explain(err, "list", NamespacesResource, "", "")
	}
	if len(list.Items) == 0 {
		return nil
	}
	var names []string
	for _, n := range list.Items {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	d.Profile.Namespaces.Platform = names
	d.Profile.setSource("namespaces.platform", fmt.Sprintf("cluster: namespaces labelled %s=%s", PlatformOwnerLabel, PlatformOwnerValue))
	return nil
}

func (d *Discovery) getSecret(ctx context.Context, c *Clients, name string) (*corev1.Secret, error) {
	ns := d.Profile.ArgoCD.Namespace
	s, err := c.Kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.Explain(err, "get", secretsResource, ns, name)
	}
	return s, nil
}

func (d *Discovery) helmSecrets(ctx context.Context, c *Clients) error {
	f := &d.Profile.Features.HelmSecrets
	s, err := d.getSecret(ctx, c, f.KeySecretName)
	if err != nil || s == nil {
		return err
	}
	f.Enabled = true
	src := fmt.Sprintf("cluster: Secret %s/%s", s.Namespace, s.Name)
	d.Profile.setSource("features.helmSecrets.enabled", src)
	if v := s.Labels[SecretTypeLabel]; v != "" && d.Profile.IsHelmSecretsKeyLabel(v) {
		f.KeySecretLabel = v
		d.Profile.setSource("features.helmSecrets.keySecretLabel", src)
	}
	return nil
}

func (d *Discovery) vals(ctx context.Context, c *Clients) error {
	f := &d.Profile.Features.Vals
	s, err := d.getSecret(ctx, c, f.SecretName)
	if err != nil || s == nil {
		return err
	}
	f.Enabled = true
	d.Profile.setSource("features.vals.enabled", fmt.Sprintf("cluster: Secret %s/%s", s.Namespace, s.Name))
	return nil
}

// sealedSecrets looks for the controller Service where the profile says, then where
// kubeseal looks by default.
func (d *Discovery) sealedSecrets(ctx context.Context, c *Clients) error {
	f := &d.Profile.Features.SealedSecrets
	candidates := [][2]string{{f.ControllerNamespace, f.ControllerName}, {"kube-system", "sealed-secrets-controller"}}
	var firstErr error
	for _, cand := range candidates {
		_, err := c.Kube.CoreV1().Services(cand[0]).Get(ctx, cand[1], metav1.GetOptions{})
		if err == nil {
			f.Enabled, f.ControllerNamespace, f.ControllerName = true, cand[0], cand[1]
			d.Profile.setSource("features.sealedSecrets", fmt.Sprintf("cluster: Service %s/%s", cand[0], cand[1]))
			return nil
		}
		if !apierrors.IsNotFound(err) && firstErr == nil {
			firstErr = c.Explain(err, "get", servicesResource, cand[0], cand[1])
		}
	}
	return firstErr
}

// argoCDDeployments are the Deployments whose image tag is the Argo CD release: the
// notifications controller first, as its engine is what notify mirrors.
var argoCDDeployments = []string{"argocd-notifications-controller", "argocd-server"}

// argoCDVersion records the Argo CD release from the image tag of the first of
// argoCDDeployments that exists. None found leaves the version unknown, quietly: a
// version is a refinement, not a requirement.
func (d *Discovery) argoCDVersion(ctx context.Context, c *Clients) error {
	ns := d.Profile.ArgoCD.Namespace
	var firstErr error
	for _, name := range argoCDDeployments {
		dep, err := c.Kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr = c.Explain(err, "get", deploymentsResource, ns, name)
			}
			continue
		}
		for _, ctr := range dep.Spec.Template.Spec.Containers {
			if v := imageVersion(ctr.Image); v != "" {
				d.Profile.ArgoCD.Version = v
				d.Profile.setSource("argocd.version", fmt.Sprintf("cluster: image %s of Deployment %s/%s", ctr.Image, ns, name))
				return nil
			}
		}
	}
	return firstErr
}

var releaseTag = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)`)

// imageVersion is the release (v3.5.7) an image reference is tagged with, or "" when the
// tag is not a release (latest, a digest only).
func imageVersion(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return ""
	}
	m := releaseTag.FindStringSubmatch(image[i+1:])
	if m == nil {
		return ""
	}
	return "v" + m[1] + "." + m[2] + "." + m[3]
}
