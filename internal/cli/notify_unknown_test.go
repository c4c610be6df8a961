package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/notify"
)

// limitedNotifyUser is an identity that may read the notifications ConfigMap and the
// Applications, with the given extra rules, but not the Secret: what a customer admin
// with half the documented rights has.
func limitedNotifyUser(t *testing.T, name string, extra ...rbacv1.PolicyRule) string {
	t.Helper()
	ctx := context.Background()
	p := env.Profile
	ns := p.ArgoCD.Namespace
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: append([]rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}, ResourceNames: []string{p.Notifications.ConfigMap}},
		{APIGroups: []string{"argoproj.io"}, Resources: []string{"applications"}, Verbs: []string{"get"}},
	}, extra...)}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name + "@example.com"}},
	}
	roles, bindings := env.AdminClient.RbacV1().Roles(ns), env.AdminClient.RbacV1().RoleBindings(ns)
	_ = roles.Delete(ctx, name, metav1.DeleteOptions{})
	_ = bindings.Delete(ctx, name, metav1.DeleteOptions{})
	_, err := roles.Create(ctx, role, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = bindings.Create(ctx, rb, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = roles.Delete(ctx, name, metav1.DeleteOptions{})
		_ = bindings.Delete(ctx, name, metav1.DeleteOptions{})
	})
	kubeconfig, _, err := env.AddUser(name + "@example.com")
	require.NoError(t, err)
	return kubeconfig
}

// notifyPluginAs runs the plugin's command tree in-process with kubeconfig and the
// environment's profile.
func notifyPluginAs(t *testing.T, kubeconfig string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	r := executeWithinAMinute("", append(args, "--kubeconfig", kubeconfig, "--profile", notifyProfileFile(t))...)
	if r.msg != "" {
		r.stderr += "error: " + r.msg + "\n"
	}
	return r.code, r.stdout, r.stderr
}

// A check that needs what the user may not read is unknown: never ok (exit 0), never a
// failure (exit 1) of its own; the checks that could be made still count.
func TestNotifyLintAndTest_checksThatNeedAForbiddenReadAreUnknown(t *testing.T) {
	testenv.Require(t, env)
	resetNotifications(t)
	ns := env.Profile.ArgoCD.Namespace
	for _, args := range [][]string{
		{"notify", "catalog", "--install", "--only", "on-created"},
		{"notify", "service", "add", "webhook", "--name", "hook", "--url", "http://127.0.0.1:1/in", "--secret-header", "Authorization=" + notifyValueFile(t, "Bearer hook-token\n")},
	} {
		code, out, errOut := notifyPlugin(t, args...)
		require.Equal(t, 0, code, "%v: %s%s", args, out, errOut)
	}
	createNotifyArgoObject(t, argocdmanaged.KindApplication, "watched", map[string]any{"notifications.argoproj.io/subscribe.on-created.hook": ""})

	// May not get the Secret, list Applications, or get and list AppProjects.
	blind := limitedNotifyUser(t, "notify-blind")
	// May also list Applications and AppProjects: only the Secret is hidden.
	secretless := limitedNotifyUser(t, "notify-secretless",
		rbacv1.PolicyRule{APIGroups: []string{"argoproj.io"}, Resources: []string{"applications", "appprojects"}, Verbs: []string{"list", "get"}})

	t.Run("lint without the Secret and the lists", func(t *testing.T) {
		code, out, errOut := notifyPluginAs(t, blind, "notify", "lint", "-o", "json")
		assert.Equal(t, 2, code, "%s%s", out, errOut)
		assert.Contains(t, errOut, "3 check(s) unknown")
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line: %s", errOut)
		for _, want := range []string{
			`unknown: service service.webhook.hook reads $hook-header-authorization from Secret ` + env.Profile.Notifications.Secret + `, which could not be read`,
			`unknown: the subscriptions of the Applications in namespace ` + ns + ` are not checked`,
			`unknown: the subscriptions of the AppProjects in namespace ` + ns + ` are not checked`,
		} {
			assert.Contains(t, out, want)
		}
		assert.Contains(t, out, `"rule": "`+notify.RuleUnknown+`"`)
		assert.NotContains(t, out, notify.RuleSecretRef, "a Secret not read is no missing key")
		assert.NotContains(t, out, notify.RuleConfigRejected)
		assert.NotContains(t, out, "hook-token")
	})

	t.Run("lint without the Secret still fails on what it could check", func(t *testing.T) {
		cm, _ := notifyObjects(t)
		cm.Data["trigger.on-broken"] = "- when: app.status.sync.status ==\n  send: [app-created]\n"
		_, err := env.AdminClient.CoreV1().ConfigMaps(ns).Update(context.Background(), cm, metav1.UpdateOptions{})
		require.NoError(t, err)
		t.Cleanup(func() {
			cm, _ := notifyObjects(t)
			delete(cm.Data, "trigger.on-broken")
			_, _ = env.AdminClient.CoreV1().ConfigMaps(ns).Update(context.Background(), cm, metav1.UpdateOptions{})
		})
		code, out, errOut := notifyPluginAs(t, secretless, "notify", "lint")
		assert.Equal(t, 1, code, "%s%s", out, errOut)
		assert.Contains(t, out, notify.RuleTriggerWhen)
		assert.Contains(t, out, "unknown: service service.webhook.hook reads $hook-header-authorization")
	})

	t.Run("test without the Secret and the AppProject", func(t *testing.T) {
		code, out, errOut := notifyPluginAs(t, blind, "notify", "test", "watched")
		assert.Equal(t, 2, code, "%s%s", out, errOut)
		assert.Contains(t, out, "unknown: the subscriptions of AppProject default are unknown")
		assert.Contains(t, out, `-> hook "": unknown: service service.webhook.hook reads $hook-header-authorization from the notifications Secret, which could not be read`)
		assert.NotContains(t, out, "would be sent")
		assert.Contains(t, errOut, "not every delivery could be checked")
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line: %s", errOut)
	})

	t.Run("test with every right says would be sent", func(t *testing.T) {
		code, out, errOut := notifyPlugin(t, "notify", "test", "watched")
		assert.Equal(t, 0, code, "%s%s", out, errOut)
		assert.Contains(t, out, "would be sent")
		assert.NotContains(t, out, "unknown")
	})
}
