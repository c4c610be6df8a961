package backup_test

import (
	"encoding/base64"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// sizes says how many objects of each kind a fixture has.
type sizes struct{ apps, projects, appsets, repos int }

// fixture is a team's Argo CD objects as a test created them.
type fixture struct {
	objects []*unstructured.Unstructured
	// outOfScope are objects a backup must leave alone.
	outOfScope []*unstructured.Unstructured
}

const notifiedAnnotation = "notified.notifications.argoproj.io"

// newFixture builds (does not create) the objects of a team in profile p's namespace: the
// in-scope ones, with everything a restore must keep and what it must drop (status,
// operation), and out-of-scope ones next to them.
func newFixture(t testing.TB, p argocdmanaged.Profile, n sizes) *fixture {
	t.Helper()
	ns := p.ArgoCD.Namespace
	api := argocdmanaged.APIVersion
	f := &fixture{}
	add := func(u *unstructured.Unstructured) { f.objects = append(f.objects, u) }
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

	for i := range n.repos {
		s := obj("v1", "Secret", ns, fmt.Sprintf("repo-%04d", i), map[string]any{
			"type": "Opaque",
			"data": map[string]any{
				"url":           b64(fmt.Appendf(nil, "https://git.example.com/team/repo-%d.git", i)),
				"password":      b64(randomBytes(24)),
				"sshPrivateKey": b64(append([]byte{0, 0xff, 0xfe, '\n'}, randomBytes(64)...)),
			},
		})
		s.SetLabels(map[string]string{argocdmanaged.SecretTypeLabel: argocdmanaged.SecretTypeRepository})
		add(s)
	}
	ns1 := obj("v1", "Secret", ns, p.Notifications.Secret, map[string]any{
		"data": map[string]any{"email-password": b64([]byte("c2VjcmV0UGFzc3dvcmQ="))},
	})
	add(ns1)
	add(obj("v1", "ConfigMap", ns, p.Notifications.ConfigMap, map[string]any{
		"data": map[string]any{
			"service.email.gmail": "username: $email-username\npassword: $email-password\n",
			"trigger.on-deployed": "- when: app.status.sync.status == 'Synced'\n  send: [app-deployed]\n",
		},
	}))
	for i := range n.projects {
		proj := obj(api, "AppProject", ns, fmt.Sprintf("project-%03d", i), map[string]any{
			"spec": map[string]any{
				"description":  fmt.Sprintf("project %d", i),
				"sourceRepos":  []any{fmt.Sprintf("https://git.example.com/team/repo-%d.git", i)},
				"destinations": []any{map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"}},
			},
		})
		proj.SetLabels(map[string]string{"team": "shop"})
		add(proj)
	}
	for i := range n.apps {
		app := obj(api, "Application", ns, fmt.Sprintf("app-%05d", i), map[string]any{
			"spec": map[string]any{
				"project": fmt.Sprintf("project-%03d", i%max(n.projects, 1)),
				"source": map[string]any{
					"repoURL": fmt.Sprintf("https://git.example.com/team/repo-%d.git", i%max(n.repos, 1)),
					"path":    "deploy", "targetRevision": "main",
				},
				"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
				"syncPolicy":  map[string]any{"automated": map[string]any{"prune": true, "selfHeal": true}},
			},
			// What a restore must not bring back.
			"operation": map[string]any{"sync": map[string]any{"revision": "abc123"}, "initiatedBy": map[string]any{"username": "admin"}},
			"status":    map[string]any{"sync": map[string]any{"status": "Synced"}, "health": map[string]any{"status": "Healthy"}},
		})
		app.SetLabels(map[string]string{"team": "shop", "tier": fmt.Sprint(i % 3)})
		app.SetAnnotations(map[string]string{
			notifiedAnnotation: `{"on-deployed:[0].y7b5sbwa2Q329JYH755peeq-fBs:email:dev@example.com":1700000000}`,
			"notifications.argoproj.io/subscribe.on-deployed.email": "dev@example.com",
		})
		app.SetFinalizers([]string{"resources-finalizer.argocd.argoproj.io"})
		add(app)
	}
	for i := range n.appsets {
		spec := map[string]any{
			"generators": []any{map[string]any{"list": map[string]any{"elements": []any{map[string]any{"env": "staging"}, map[string]any{"env": "prod"}}}}},
			"template": map[string]any{
				"metadata": map[string]any{"name": fmt.Sprintf("set-%d-{{env}}", i)},
				"spec": map[string]any{
					"project":     "project-000",
					"source":      map[string]any{"repoURL": "https://git.example.com/team/repo-0.git", "path": "deploy/{{env}}", "targetRevision": "main"},
					"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
				},
			},
		}
		if i%5 == 0 {
			spec["syncPolicy"] = map[string]any{"applicationsSync": "create-only"}
		}
		add(obj(api, "ApplicationSet", ns, fmt.Sprintf("appset-%03d", i), map[string]any{"spec": spec}))
	}

	// Out of scope, in the same namespace: a Secret Argo CD does not use, objects marked
	// nobackup, a ConfigMap the profile does not name.
	f.outOfScope = append(f.outOfScope,
		obj("v1", "Secret", ns, "unrelated-secret", map[string]any{"data": map[string]any{"k": b64([]byte("v"))}}),
		obj("v1", "ConfigMap", ns, "unrelated-cm", map[string]any{"data": map[string]any{"k": "v"}}),
	)
	nb := obj("v1", "Secret", ns, "repo-nobackup", map[string]any{"data": map[string]any{"k": b64([]byte("v"))}})
	nb.SetLabels(map[string]string{argocdmanaged.SecretTypeLabel: "repository", argocdmanaged.NoBackupLabel: "true"})
	nbApp := obj(api, "Application", ns, "app-nobackup", map[string]any{"spec": map[string]any{
		"project": "default", "source": map[string]any{"repoURL": "https://x", "path": "."},
		"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
	}})
	nbApp.SetLabels(map[string]string{argocdmanaged.NoBackupLabel: ""})
	f.outOfScope = append(f.outOfScope, nb, nbApp)
	return f
}

func (f *fixture) all() []*unstructured.Unstructured {
	return append(append([]*unstructured.Unstructured{}, f.objects...), f.outOfScope...)
}

func (f *fixture) byKind(kind string) map[string]*unstructured.Unstructured {
	out := map[string]*unstructured.Unstructured{}
	for _, u := range f.objects {
		if u.GetKind() == kind {
			out[u.GetName()] = u
		}
	}
	return out
}
