package doctor

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
	"github.com/ck8sargo/ck8sargo/policy"
)

var notificationsCheck = Check{
	Name:    "notifications",
	Summary: "the notifications config is one the controller accepts, and every subscription resolves",
	Run:     runNotifications,
}

func runNotifications(ctx context.Context, r *Env) (string, bool) {
	p := r.Options.Profile
	cmRef := policy.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: p.ArgoCD.Namespace, Name: p.Notifications.ConfigMap}
	cfg, err := notify.Load(ctx, r.Clients, p)
	if err != nil {
		r.add(policy.Finding{Rule: RuleNotificationsConfig, Severity: policy.SeverityWarning, Object: cmRef, Message: "cannot read the notifications config: " + err.Error()})
		return "config not readable", false
	}
	if !cfg.ConfigMapExists {
		return "no notifications ConfigMap: notifications are not set up", true
	}
	opts := notify.LintOptions{}
	apps, projects, err := liveArgoObjects(ctx, r.Clients, p)
	if err != nil {
		r.add(policy.Finding{Rule: RuleNotificationsConfig, Severity: policy.SeverityWarning, Object: cmRef, Message: "subscriptions not checked: " + err.Error()})
	}
	for _, a := range apps {
		opts.Applications = append(opts.Applications, notify.Located[*argocdmanaged.Application]{Object: a})
	}
	for _, pr := range projects {
		opts.AppProjects = append(opts.AppProjects, notify.Located[*argocdmanaged.AppProject]{Object: pr})
	}
	rep := notify.Lint(cfg, opts)
	r.Findings = append(r.Findings, rep.Findings...)
	return fmt.Sprintf("config linted with the subscriptions of %d Applications and %d AppProjects", len(apps), len(projects)), false
}

// liveArgoObjects reads the Applications and AppProjects of the Argo CD namespace.
func liveArgoObjects(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile) ([]*argocdmanaged.Application, []*argocdmanaged.AppProject, error) {
	ns := p.ArgoCD.Namespace
	list, err := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, c.Explain(err, "list", argocdmanaged.ApplicationsResource, ns, "")
	}
	var apps []*argocdmanaged.Application
	for i := range list.Items {
		a := &argocdmanaged.Application{}
		if err := argocdmanaged.FromUnstructured(&list.Items[i], a); err != nil {
			return nil, nil, err
		}
		apps = append(apps, a)
	}
	plist, err := c.Dynamic.Resource(argocdmanaged.AppProjectsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return apps, nil, c.Explain(err, "list", argocdmanaged.AppProjectsResource, ns, "")
	}
	var projects []*argocdmanaged.AppProject
	for i := range plist.Items {
		pr := &argocdmanaged.AppProject{}
		if err := argocdmanaged.FromUnstructured(&plist.Items[i], pr); err != nil {
			return apps, nil, err
		}
		projects = append(projects, pr)
	}
	return apps, projects, nil
}
