package doctor

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

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
	apps, err := listArgo(ctx, c, argocdmanaged.ApplicationsResource, ns, func() *argocdmanaged.Application { return &argocdmanaged.Application{} })
	if err != nil {
		return nil, nil, err
	}
	projects, err := listArgo(ctx, c, argocdmanaged.AppProjectsResource, ns, func() *argocdmanaged.AppProject { return &argocdmanaged.AppProject{} })
	if err != nil {
		return apps, nil, err
	}
	return apps, projects, nil
}

// listArgo lists the objects of an Argo CD resource in namespace ns as their typed mirrors,
// each made by newObj.
func listArgo[T argocdmanaged.Object](ctx context.Context, c *argocdmanaged.Clients, res schema.GroupVersionResource, ns string, newObj func() T) ([]T, error) {
	list, err := c.Dynamic.Resource(res).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.Explain(err, "list", res, ns, "")
	}
	var out []T
	for i := range list.Items {
		o := newObj()
		if err := argocdmanaged.FromUnstructured(&list.Items[i], o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
