package testenv

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Main starts one Env for a test package, runs its tests and stops it, returning the exit
// code for os.Exit. Under -short no control plane is started and *env stays nil; tests that
// need it call Require, which skips them with a reason. Without -short, missing binaries fail
// the package with the command that builds them: the control-plane tests never vanish
// silently.
func Main(m *testing.M, env **Env) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	e, err := Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		if errors.Is(err, ErrBinariesMissing) {
			fmt.Fprintln(os.Stderr, "testenv: run `make envtest-bin`, or `go test -short` for the tests that need no control plane")
		}
		return 1
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: stopping: %v\n", err)
	}
	return code
}

// Require skips a test that needs the control plane when running under -short, and fails
// it when the environment is missing for any other reason.
func Require(t testing.TB, env *Env) {
	t.Helper()
	if env != nil {
		return
	}
	if testing.Short() {
		t.Skip("needs the test control plane; run without -short")
	}
	t.Fatal("the test control plane is not running; start it with testenv.Main in TestMain")
}

// Namespace creates a fresh namespace for one test, named after prefix, and deletes it when
// the test ends. It is not managed by Argo CD unless the test adds it.
func (e *Env) Namespace(t testing.TB, prefix string) string {
	t.Helper()
	ctx := context.Background()
	ns, err := e.AdminClient.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = e.AdminClient.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}
