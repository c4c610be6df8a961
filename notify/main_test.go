package notify_test

import (
	"io"
	"os"
	"testing"

	"github.com/sirupsen/logrus"
)

// The library's tests need no control plane (the commands' tests, which do, are in
// internal/cli); the upstream catalog comes from the Argo CD module via testenv.ModuleDir.
func TestMain(m *testing.M) {
	// The engine logs through logrus; keep test output readable.
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}
