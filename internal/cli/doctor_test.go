package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

func TestDoctorTextSaysWhatEachCheckFoundAndWhatRan(t *testing.T) {
	testenv.Require(t, env)
	stranger, _, err := env.AddUser("doctor-stranger@example.com", "strangers")
	require.NoError(t, err)
	rights := len(env.Profile.DeveloperRights())
	tests := []struct {
		name       string
		kubeconfig string
		code       int
		want       []string // lines of the output, in order
	}{
		{
			name: "the developer has every right", kubeconfig: env.DeveloperKubeconfig, code: 0,
			want: []string{
				"access  ok      " + fmt.Sprintf("%d of %d documented developer rights held in %s", rights, rights, env.Profile.ArgoCD.Namespace),
				"1 check run: 1 ok, 0 with problems, 0 skipped; no errors, no warnings, no infos",
			},
		},
		{
			name: "a stranger is told what is missing, under the check", kubeconfig: stranger, code: 0,
			want: []string{
				fmt.Sprintf("access  problems: no errors, %d warnings, no infos  0 of %d documented developer rights held in %s", rights, rights, env.Profile.ArgoCD.Namespace),
				"access",
				"    fix: ask the Platform Administrator for the right to get applications.argoproj.io in namespace " + env.Profile.ArgoCD.Namespace,
				fmt.Sprintf("1 check run: 0 ok, 1 with problems, 0 skipped; no errors, %d warnings, no infos", rights),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPlugin(t, tt.kubeconfig, "", "doctor", "--only", "access", "--argocd-config", "")
			require.Equal(t, tt.code, r.code, r.msg+r.stderr)
			lines := strings.Split(r.stdout, "\n")
			at := 0
			for _, w := range tt.want {
				i := indexFrom(lines, at, w)
				require.NotEqual(t, -1, i, "want line %q after line %d in:\n%s", w, at, r.stdout)
				at = i + 1
			}
			assert.NotContains(t, r.stdout, "(no file)")
			assert.NotContains(t, r.stdout, "file(s)")
		})
	}
}

func indexFrom(lines []string, from int, want string) int {
	for i := from; i < len(lines); i++ {
		if lines[i] == want {
			return i
		}
	}
	return -1
}
