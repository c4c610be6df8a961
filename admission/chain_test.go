package admission_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sigyaml "sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

func objects(t testing.TB, docs ...string) []admission.Object {
	t.Helper()
	var out []admission.Object
	for _, d := range docs {
		var o map[string]any
		require.NoError(t, sigyaml.Unmarshal([]byte(d), &o))
		out = append(out, o)
	}
	return out
}

func builtinChain(t testing.TB, p argocdmanaged.Profile) *admission.Chain {
	t.Helper()
	c, problems, err := admission.New(context.Background(), admission.Builtin(p), admission.DefaultOptions(p))
	require.NoError(t, err)
	require.Empty(t, problems)
	return c
}

// constraintTemplate is a Gatekeeper ConstraintTemplate document named name, for
// constraints of kind, whose Rego is package name followed by rules.
func constraintTemplate(name, kind, rules string) string {
	rego := "package " + name + "\n" + rules
	return fmt.Sprintf(`apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: %s}
spec:
  crd: {spec: {names: {kind: %s}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
%s
`, name, kind, "      "+strings.ReplaceAll(rego, "\n", "\n      "))
}

func rulesOf(r admission.Result) []string {
	var out []string
	for _, v := range r.Verdicts {
		out = append(out, v.Rule)
	}
	return out
}

const netpol = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all, namespace: shop}
spec: {podSelector: {}}
`

// reviewOnDefaults is the review, by the built-in chain of the default profile, of doc
// (one YAML document) in namespace shop, which netpol covers.
func reviewOnDefaults(t *testing.T, doc string) admission.Result {
	t.Helper()
	res, err := builtinChain(t, argocdmanaged.DefaultProfile()).Review(context.Background(), objects(t, doc, netpol))
	require.NoError(t, err)
	return res
}

// pod is a Pod document named name in namespace shop whose spec is spec (YAML indented
// under spec:).
func pod(name, spec string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: shop}\nspec:" + spec
}

func TestAPodWithoutSecurityContextIsAdmittedOnTheDefaultsWithTheNonRootNote(t *testing.T) {
	res := reviewOnDefaults(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: harbor.example.com/shop/web:1.0
        resources: {requests: {cpu: 100m, memory: 64Mi}}
`)
	assert.Empty(t, res.Errors)
	assert.Empty(t, res.Verdicts)
	var notes []string
	for _, m := range res.Mutations {
		if m.Note != "" {
			notes = append(notes, m.Note)
			assert.Equal(t, "spec.template.spec.containers.0.securityContext.runAsNonRoot", m.Path)
		}
	}
	require.Len(t, notes, 1)
	assert.Contains(t, notes[0], `the platform sets runAsNonRoot: true on container "web"; the image must run as a non-root user`)
}

func TestAPodThatPodSecurityRejectsAfterMutationIsAnError(t *testing.T) {
	res := reviewOnDefaults(t, pod("root", `
  containers:
  - name: app
    image: nginx:1.27
    resources: {requests: {cpu: 100m, memory: 64Mi}}
    securityContext: {runAsUser: 0, capabilities: {add: [NET_ADMIN]}}
`))
	assert.ElementsMatch(t, []string{"pod-security/capabilities_restricted", "pod-security/runAsUser"}, rulesOf(res))
	for _, v := range res.Verdicts {
		assert.Equal(t, admission.SeverityError, v.Severity)
		assert.Contains(t, v.Message, `violates PodSecurity "restricted:latest"`)
	}
}

// The platform's allowPrivilegeEscalation mutator, like Gatekeeper library's, tests only
// that the field is missing; on a privileged container the API server then refuses the
// Pod. The chain mutates as the platform does and says so.
func TestAPrivilegedContainerGetsTheNoteThatTheMutatedPodIsRefused(t *testing.T) {
	res := reviewOnDefaults(t, pod("priv", `
  containers:
  - name: app
    image: harbor.example.com/shop/app:1.0
    resources: {requests: {cpu: 100m, memory: 64Mi}}
    securityContext: {privileged: true, runAsNonRoot: true}
  - name: plain
    image: harbor.example.com/shop/app:1.0
    resources: {requests: {cpu: 100m, memory: 64Mi}}
    securityContext: {runAsNonRoot: true}
`))
	var refused []string
	for _, m := range res.Mutations {
		if strings.Contains(m.Note, admission.PrivilegedEscalationMessage) {
			refused = append(refused, m.Path)
			assert.Contains(t, m.Note, `container "app", which is privileged`)
		}
	}
	assert.Equal(t, []string{"spec.containers.0.securityContext.allowPrivilegeEscalation"}, refused)
	assert.Contains(t, rulesOf(res), "pod-security/privileged")
}
