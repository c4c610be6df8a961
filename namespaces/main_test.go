package namespaces_test

import (
	"os"
	"testing"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }
