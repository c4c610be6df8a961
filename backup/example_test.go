package backup_test

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
)

// A backup keeps what defines an object and drops what the cluster or a running sync put
// there.
func ExampleClean() {
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{
			"name": "shop", "namespace": "argocd-system", "uid": "1234", "resourceVersion": "99",
			"finalizers":  []any{"resources-finalizer.argocd.argoproj.io"},
			"annotations": map[string]any{"notified.notifications.argoproj.io": "{}"},
		},
		"spec":      map[string]any{"project": "default"},
		"operation": map[string]any{"sync": map[string]any{}},
		"status":    map[string]any{"sync": map[string]any{"status": "Synced"}},
	}}
	backup.Clean(app)
	fmt.Println(app.GetFinalizers(), app.GetAnnotations(), app.GetUID() == "")
	_, hasOperation := app.Object["operation"]
	_, hasStatus := app.Object["status"]
	fmt.Println(hasOperation, hasStatus)
	// Output:
	// [resources-finalizer.argocd.argoproj.io] map[notified.notifications.argoproj.io:{}] true
	// false false
}

// The scope refuses what a backup must never hold, also in an archive someone crafted.
func ExampleScope_Check() {
	scope := backup.Scope{Profile: argocdmanaged.DefaultProfile()}
	secret := &unstructured.Unstructured{}
	secret.SetAPIVersion("v1")
	secret.SetKind("Secret")
	secret.SetNamespace("argocd-system")
	secret.SetName("repo-shop")
	secret.SetLabels(map[string]string{argocdmanaged.SecretTypeLabel: "repository"})
	fmt.Printf("%q\n", scope.Check(secret))

	secret.SetNamespace("kube-system")
	fmt.Println(scope.Check(secret))
	// Output:
	// ""
	// namespace kube-system is not the Argo CD namespace argocd-system
}

// Schedule picks a stable minute in the window for each team.
func ExampleSchedule() {
	run, err := backup.Schedule(backup.ScheduleOptions{
		Profile:    argocdmanaged.DefaultProfile(),
		Namespace:  "shop",
		To:         "s3://backups?endpoint=https://s3.example.com",
		Image:      "harbor.example.com/tools/kubectl-ck8sargo:v0.1.0",
		Recipients: []string{"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(run.Objects), len(run.PlatformObjects), run.Cron != "")
	// Output: 5 2 true
}
