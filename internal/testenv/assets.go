package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ArgoCDModule is the Argo CD release whose CRDs and notifications catalog the tests use.
// v3.6 needs Go 1.27, so this is the newest release that the project's Go can read.
const ArgoCDModule = "github.com/argoproj/argo-cd/v3@v3.5.7"

// BinDir is where `make envtest-bin` puts kube-apiserver and etcd: $CK8SARGO_TESTENV_BIN,
// else ck8sargo/bin under the user's cache directory, outside the source tree.
func BinDir() string {
	if d := os.Getenv("CK8SARGO_TESTENV_BIN"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "ck8sargo", "bin")
}

// ErrBinariesMissing means the control plane binaries have not been built.
var ErrBinariesMissing = errors.New("the test control plane binaries are missing; run `make envtest-bin` (builds kube-apiserver and etcd into the cache, about five minutes the first time)")

func checkBinaries(dir string) error {
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return fmt.Errorf("%w: %s not found in %s", ErrBinariesMissing, b, dir)
		}
	}
	return nil
}

// ModuleDir downloads (or finds in the module cache) a module at an exact version and
// returns its directory. It runs the go command outside any module so that the project's
// go.mod is neither read nor changed.
func ModuleDir(ctx context.Context, moduleAtVersion string) (string, error) {
	tmp, err := os.MkdirTemp("", "ck8sargo-moddl-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", moduleAtVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOFLAGS=-mod=mod", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %v: %s", moduleAtVersion, err, strings.TrimSpace(stderr.String()))
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", fmt.Errorf("go mod download %s: %w", moduleAtVersion, err)
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", moduleAtVersion, info.Error)
	}
	return info.Dir, nil
}

// ArgoCDCRDFiles returns the paths of the Application, ApplicationSet and AppProject CRDs
// of ArgoCDModule.
func ArgoCDCRDFiles(ctx context.Context) ([]string, error) {
	dir, err := ModuleDir(ctx, ArgoCDModule)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range []string{"application-crd.yaml", "applicationset-crd.yaml", "appproject-crd.yaml"} {
		files = append(files, filepath.Join(dir, "manifests", "crds", f))
	}
	return files, nil
}
