package secrets_test

import (
	"os"
	"testing"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// env is the package's test control plane; nil under -short.
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }
