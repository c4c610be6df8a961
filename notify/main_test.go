package notify_test

import (
	"io"

	"github.com/sirupsen/logrus"
	"os"
	"testing"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	// The engine logs through logrus; keep test output readable.
	logrus.SetOutput(io.Discard)
	os.Exit(testenv.Main(m, &env))
}
