package sealed_test

import (
	"os"
	"testing"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	code := testenv.Main(m, &env)
	stopController()
	os.Exit(code)
}
