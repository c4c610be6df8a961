package sealed_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/internal/testenv/sealedtest"
)

var (
	env      *testenv.Env
	ctrlOnce sync.Once
	ctrl     *sealedtest.Controller
	ctrlErr  error
)

func TestMain(m *testing.M) {
	code := testenv.Main(m, &env)
	ctrl.Stop()
	os.Exit(code)
}

// requireController starts the real controller once for the package.
func requireController(t *testing.T) *sealedtest.Controller {
	t.Helper()
	testenv.Require(t, env)
	ctrlOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		ctrl, ctrlErr = sealedtest.Start(ctx, env)
	})
	if ctrlErr != nil {
		t.Fatalf("starting the sealed-secrets controller: %v", ctrlErr)
	}
	return ctrl
}
