package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// notifyOffline runs the plugin without a cluster: a default profile, and a kubeconfig
// only when the arguments give one.
func notifyOffline(t *testing.T, args ...string) (code int, msg, stdout string) {
	t.Helper()
	r := executeWithinAMinute("", append(args, "--profile", profileFile(t, argocdmanaged.DefaultProfile()))...)
	return r.code, r.msg, r.stdout
}

const lintConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-notifications-cm
data:
  service.webhook.log: |
    url: https://hooks.example.com
`

// Fails before the fix: an empty or wrong-kind --secret linted as if there were no Secret.
func TestNotifyLint_refusesASecretFileThatHoldsNoSecret(t *testing.T) {
	cm := writeFile(t, t.TempDir(), "cm.yaml", lintConfigMap)
	tests := []struct {
		name, content, want string
	}{
		{"empty", "", "--secret %s holds no Secret (the file is empty): give the manifest of the notifications Secret"},
		{"only comments", "# nothing here\n---\n", "--secret %s holds no Secret (the file is empty)"},
		{"a ConfigMap", lintConfigMap, "--secret %s holds no Secret (it holds 1 ConfigMap)"},
		{"a Deployment", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n", "--secret %s holds no Secret (it holds 1 object of another kind)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := writeFile(t, t.TempDir(), "secret.yaml", tt.content)
			code, msg, out := notifyOffline(t, "notify", "lint", "--config-map", cm, "--secret", secret)
			assert.Equal(t, ExitError, code, out)
			assert.Contains(t, msg, fmt.Sprintf(tt.want, secret))
			assert.Empty(t, out, "no report for an input that cannot be read")
		})
	}
	code, msg, _ := notifyOffline(t, "notify", "lint", "--config-map", writeFile(t, t.TempDir(), "s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"))
	assert.Equal(t, ExitError, code)
	assert.Contains(t, msg, "holds no ConfigMap (it holds 1 Secret)")
}

// Fails before the fix: a binary file was read as YAML, and the error blamed a missing
// Application.
func TestNotifySubscribe_refusesABinaryFile(t *testing.T) {
	bin := writeFile(t, t.TempDir(), "shop.yaml", "\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe binary")
	code, msg, _ := notifyOffline(t, "notify", "subscribe", "shop", "-f", bin, "--trigger", "on-deployed", "--service", "slack", "--recipient", "deploys")
	assert.Equal(t, ExitError, code)
	assert.Equal(t, bin+": not a YAML text file: it holds binary data: -f takes the YAML manifest of the Application", msg)
	assert.NotContains(t, msg, "holds no Application")

	code, msg, _ = notifyOffline(t, "notify", "test", "-f", bin, "--config-map", writeFile(t, t.TempDir(), "cm.yaml", lintConfigMap))
	assert.Equal(t, ExitError, code)
	assert.Contains(t, msg, "not a YAML text file")
}

// Fails before the fix: the reader stopped at 16 MiB in the middle of a document and
// reported the cut document as a YAML error.
func TestNotifyLint_blamesTheSizeOfAValidFileOver16MiB(t *testing.T) {
	var b strings.Builder
	b.WriteString(lintConfigMap)
	for i := 0; b.Len() < 17<<20; i++ {
		fmt.Fprintf(&b, "  template.t%06d: |\n    message: %s\n", i, strings.Repeat("x", 200))
	}
	big := writeFile(t, t.TempDir(), "cm.yaml", b.String())
	code, msg, _ := notifyOffline(t, "notify", "lint", "--config-map", big)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, msg, big+" is 17.0 MiB, over the limit of 16.0 MiB")
	assert.NotContains(t, msg, "document", "not a YAML error")
}

// Fails before the fix: each form opened the FIFO and waited for a writer.
func TestNotifyCommands_refuseAFIFOAtOnce(t *testing.T) {
	fifo := fixture.FIFO(t, t.TempDir(), "input.yaml")
	cm := writeFile(t, t.TempDir(), "cm.yaml", lintConfigMap)
	forms := [][]string{
		{"lint", "--config-map", fifo},
		{"lint", "--config-map", cm, "--secret", fifo},
		{"lint", "--config-map", cm, fifo},
		{"test", "-f", fifo, "--config-map", cm},
		{"test", "-f", cm, "--config-map", fifo},
		{"subscribe", "shop", "-f", fifo, "--service", "slack", "--recipient", "x"},
		{"service", "add", "slack", "--token-file", fifo},
		{"service", "add", "grafana", "--api-url", "https://g.example.com/api", "--api-key-file", fifo},
		{"service", "add", "teams", "--webhook-file", "ops=" + fifo},
	}
	for _, args := range forms {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			type result struct {
				code int
				msg  string
			}
			r := fixture.Within(t, 10*time.Second, "the command on the FIFO", func() result {
				code, msg, _ := notifyOffline(t, append([]string{"notify"}, args...)...)
				return result{code, msg}
			})
			assert.Equal(t, ExitError, r.code, r.msg)
			assert.Contains(t, r.msg, "named pipe")
		})
	}
}

// Fails before the fix: every form waited for an answer that never came.
func TestNotifyLive_aServerThatNeverAnswersIsCannotReachWithExit2(t *testing.T) {
	addr := fixture.SilentServer(t)
	kubeconfig := fixture.Kubeconfig(t, t.TempDir(), "http://"+addr, "silent")
	old := notifyRequestTimeout
	notifyRequestTimeout = time.Second
	t.Cleanup(func() { notifyRequestTimeout = old })
	for _, args := range [][]string{
		{"lint"},
		{"test", "shop"},
		{"test", "shop", "--config-map", writeFile(t, t.TempDir(), "cm.yaml", lintConfigMap)},
		{"service", "list"},
		{"service", "add", "webhook", "--url", "https://hooks.example.com"},
		{"subscribe", "shop", "--service", "slack", "--recipient", "x"},
		{"catalog", "--install"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			start := time.Now()
			code, msg, out := notifyOffline(t, append(append([]string{"notify"}, args...), "--kubeconfig", kubeconfig)...)
			assert.Equal(t, ExitError, code, out)
			assert.Contains(t, msg, "cannot reach the Kubernetes API server at http://"+addr)
			assert.NotContains(t, msg, "\n")
			assert.Empty(t, out, "no verdict about a cluster that was not read")
			assert.Less(t, time.Since(start), 10*time.Second)
		})
	}
}
