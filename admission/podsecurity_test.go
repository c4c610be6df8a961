package admission_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	sigyaml "sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// podCase is one Pod spec of the differential corpus: a name and the spec in YAML (one
// container "app" unless the spec says otherwise).
type podCase struct{ name, spec string }

const app = "name: app\n    image: registry.example.com/app:1.0\n"

func container(extra string) string {
	return "containers:\n  - " + app + indent(extra, "    ")
}

func indent(s, pre string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pre + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

// restrictedSC is a container securityContext that restricted allows.
const restrictedSC = "securityContext:\n  allowPrivilegeEscalation: false\n  runAsNonRoot: true\n  capabilities: {drop: [ALL]}\n  seccompProfile: {type: RuntimeDefault}\n"

func corpus() []podCase {
	cs := []podCase{
		{"empty", container("")},
		{"restricted", container(restrictedSC)},
		{"restricted-pod-level", "securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n" + container("securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n")},
		{"privileged", container("securityContext: {privileged: true}\n")},
		{"privileged-false", container("securityContext: {privileged: false}\n")},
		{"host-network", "hostNetwork: true\n" + container("")},
		{"host-pid", "hostPID: true\n" + container("")},
		{"host-ipc", "hostIPC: true\n" + container("")},
		{"host-path", "volumes:\n- name: h\n  hostPath: {path: /var/log}\n" + container("")},
		{"host-port", container("ports: [{containerPort: 80, hostPort: 8080}]\n")},
		{"container-port", container("ports: [{containerPort: 8080}]\n")},
		{"cap-add-net-admin", container("securityContext: {capabilities: {add: [NET_ADMIN]}}\n")},
		{"cap-add-sys-admin", container("securityContext: {capabilities: {add: [SYS_ADMIN]}}\n")},
		{"cap-add-chown", container("securityContext: {capabilities: {add: [CHOWN]}}\n")},
		{"cap-add-net-bind", container("securityContext: {capabilities: {add: [NET_BIND_SERVICE]}}\n")},
		{"cap-drop-all-add-net-bind", container("securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}\n")},
		{"cap-drop-net-raw-only", container("securityContext: {capabilities: {drop: [NET_RAW]}}\n")},
		{"ape-true", container("securityContext: {allowPrivilegeEscalation: true}\n")},
		{"ape-false", container("securityContext: {allowPrivilegeEscalation: false}\n")},
		{"non-root-false-container", container("securityContext: {runAsNonRoot: false}\n")},
		{"non-root-false-pod", "securityContext: {runAsNonRoot: false}\n" + container("")},
		{"non-root-pod-true-container-false", "securityContext: {runAsNonRoot: true}\n" + container("securityContext: {runAsNonRoot: false}\n")},
		{"run-as-user-0-pod", "securityContext: {runAsUser: 0}\n" + container("")},
		{"run-as-user-0-container", container("securityContext: {runAsUser: 0}\n")},
		{"run-as-user-1000", "securityContext: {runAsUser: 1000}\n" + container("")},
		{"seccomp-unconfined-pod", "securityContext: {seccompProfile: {type: Unconfined}}\n" + container("")},
		{"seccomp-unconfined-container", container("securityContext: {seccompProfile: {type: Unconfined}}\n")},
		{"seccomp-localhost", container("securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}\n")},
		{"seccomp-runtime-default-pod", "securityContext: {seccompProfile: {type: RuntimeDefault}}\n" + container("")},
		{"selinux-spc", container("securityContext: {seLinuxOptions: {type: spc_t}}\n")},
		{"selinux-container-t", container("securityContext: {seLinuxOptions: {type: container_t}}\n")},
		{"selinux-user", "securityContext: {seLinuxOptions: {user: system_u}}\n" + container("")},
		{"proc-mount-unmasked", "hostUsers: false\n" + container("securityContext: {procMount: Unmasked}\n")},
		{"sysctl-safe", "securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: \"0\"}]}\n" + container("")},
		{"sysctl-unsafe", "securityContext: {sysctls: [{name: kernel.msgmax, value: \"65536\"}]}\n" + container("")},
		{"sysctl-port-range", "securityContext: {sysctls: [{name: net.ipv4.ip_local_port_range, value: \"1024 65535\"}]}\n" + container("")},
		{"volume-empty-dir", "volumes: [{name: v, emptyDir: {}}]\n" + container("")},
		{"volume-config-map", "volumes: [{name: v, configMap: {name: c}}]\n" + container("")},
		{"volume-secret-projected", "serviceAccountName: default\nvolumes: [{name: v, secret: {secretName: s}}, {name: p, projected: {sources: [{serviceAccountToken: {path: t}}]}}]\n" + container("")},
		{"volume-pvc", "volumes: [{name: v, persistentVolumeClaim: {claimName: c}}]\n" + container("")},
		{"volume-nfs", "volumes: [{name: v, nfs: {server: nfs.example.com, path: /x}}]\n" + container("")},
		{"volume-iscsi", "volumes: [{name: v, iscsi: {targetPortal: \"10.0.0.1:3260\", iqn: \"iqn.2001-04.com.example:storage\", lun: 0}}]\n" + container("")},
		{"volume-ephemeral", "volumes: [{name: v, ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}}]\n" + container("")},
		{"volume-downward-api", "volumes: [{name: v, downwardAPI: {items: [{path: l, fieldRef: {fieldPath: metadata.labels}}]}}]\n" + container("")},
		{"apparmor-unconfined", container("securityContext: {appArmorProfile: {type: Unconfined}}\n")},
		{"apparmor-runtime-default", "securityContext: {appArmorProfile: {type: RuntimeDefault}}\n" + container("")},
		{"init-privileged", "initContainers:\n- name: init\n  image: registry.example.com/init:1.0\n  securityContext: {privileged: true}\n" + container(restrictedSC)},
		{"init-ape-true", "initContainers:\n- name: init\n  image: registry.example.com/init:1.0\n  securityContext: {allowPrivilegeEscalation: true}\n" + container(restrictedSC)},
		{"two-containers-one-bad", "containers:\n- " + strings.ReplaceAll(app, "\n    ", "\n  ") + indent(restrictedSC, "  ") + "- name: side\n  image: registry.example.com/side:1.0\n  securityContext: {runAsUser: 0}\n"},
		{"probe-host", container("readinessProbe: {httpGet: {host: 10.0.0.1, port: 8080}}\n")},
		{"lifecycle-host", container("lifecycle: {postStart: {tcpSocket: {host: 10.0.0.1, port: 8080}}}\n")},
		{"host-users-false", "hostUsers: false\n" + container("")},
		{"windows-host-process", "securityContext: {windowsOptions: {hostProcess: true}}\nhostNetwork: true\n" + container("")},
		{"all-baseline-bad", "hostNetwork: true\nvolumes: [{name: h, hostPath: {path: /}}]\n" + container("securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}\n")},
	}
	return cs
}

func podObject(t *testing.T, c podCase, ns string) admission.Object {
	t.Helper()
	var spec map[string]any
	require.NoError(t, sigyaml.Unmarshal([]byte(c.spec), &spec), c.name)
	return admission.Object{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": c.name, "namespace": ns}, "spec": spec}
}

var podsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// TestPodSecurityVerdictsMatchTheKubeAPIServer creates every Pod of the corpus, and its
// form after the built-in mutators, by server-side dry run in namespaces that enforce
// restricted and baseline, and compares the API server's verdict with the chain's: the
// same admit or deny, and every reason the chain gives in the API server's message.
func TestPodSecurityVerdictsMatchTheKubeAPIServer(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	dyn, err := dynamic.NewForConfig(env.Admin)
	require.NoError(t, err)

	// The mutated forms: what the platform's mutators make of each spec.
	mutate := builtinChain(t, argocdmanaged.DefaultProfile())
	var cases []podCase
	var objs []admission.Object
	for _, c := range corpus() {
		cases = append(cases, c)
		objs = append(objs, podObject(t, c, "shop"))
	}
	res, err := mutate.Review(ctx, objs)
	require.NoError(t, err)
	// The note the chain gives each original, for the mutated forms the API server's
	// validation refuses.
	refusedNote := map[string]bool{}
	for _, m := range res.Mutations {
		if strings.Contains(m.Note, admission.PrivilegedEscalationMessage) {
			refusedNote[cases[m.Object].name+"-mutated"] = true
		}
	}
	for i, m := range res.Mutated {
		y, err := sigyaml.Marshal(m["spec"])
		require.NoError(t, err)
		if string(y) != mustYAML(t, objs[i]["spec"]) {
			cases = append(cases, podCase{name: cases[i].name + "-mutated", spec: string(y)})
		}
	}
	require.GreaterOrEqual(t, len(cases), 50)

	differences, invalid := 0, 0
	for _, level := range []string{"restricted", "baseline"} {
		ns := env.Namespace(t, "psa-"+level)
		nsObj, err := env.AdminClient.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		require.NoError(t, err)
		if nsObj.Labels == nil {
			nsObj.Labels = map[string]string{}
		}
		nsObj.Labels["pod-security.kubernetes.io/enforce"] = level
		_, err = env.AdminClient.CoreV1().Namespaces().Update(ctx, nsObj, metav1.UpdateOptions{})
		require.NoError(t, err)

		chain, problems, err := admission.New(ctx, admission.Policies{}, admission.Options{
			Namespaces: map[string]map[string]string{ns: nsObj.Labels}})
		require.NoError(t, err)
		require.Empty(t, problems)
		var pods []admission.Object
		for _, c := range cases {
			pods = append(pods, podObject(t, c, ns))
		}
		got, err := chain.Review(ctx, pods)
		require.NoError(t, err)
		require.Empty(t, got.Errors)
		for i, c := range cases {
			var reasons []string
			for _, v := range got.Verdicts {
				if v.Object == i {
					require.Equal(t, admission.SeverityError, v.Severity)
					reasons = append(reasons, strings.TrimPrefix(v.Message, fmt.Sprintf("violates PodSecurity %q: ", level+":latest")))
				}
			}
			_, apiErr := dyn.Resource(podsResource).Namespace(ns).Create(ctx, &unstructured.Unstructured{Object: pods[i]},
				metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			denied := apiErr != nil && apierrors.IsForbidden(apiErr) && strings.Contains(apiErr.Error(), "violates PodSecurity")
			if apiErr != nil && !denied {
				// A privileged container that the platform's mutator gives
				// allowPrivilegeEscalation: false is invalid: the API server's validation
				// refuses it before Pod Security runs. The chain must have said so in the
				// mutation's note.
				if strings.HasSuffix(c.name, "-mutated") && apierrors.IsInvalid(apiErr) &&
					strings.Contains(apiErr.Error(), admission.PrivilegedEscalationMessage) {
					invalid++
					if !refusedNote[c.name] {
						differences++
						t.Errorf("%s/%s: the API server refuses the mutated Pod (%v), the chain gives no note", level, c.name, apiErr)
					}
					continue
				}
				t.Errorf("%s/%s: the API server refuses the Pod for another reason: %v", level, c.name, apiErr)
				continue
			}
			if denied != (len(reasons) > 0) {
				differences++
				t.Errorf("%s/%s: API server denied=%v (%v), chain reasons %q", level, c.name, denied, apiErr, reasons)
				continue
			}
			for _, r := range reasons {
				if !strings.Contains(apiErr.Error(), r) {
					differences++
					t.Errorf("%s/%s: chain reason %q is not in the API server's %q", level, c.name, r, apiErr.Error())
				}
			}
		}
	}
	t.Logf("corpus: %d Pod specs (mutated forms included) x 2 levels, %d differences; %d mutated forms invalid before Pod Security, each with the chain's note", len(cases), differences, invalid)
	for name := range refusedNote {
		assert.True(t, slices.ContainsFunc(cases, func(c podCase) bool { return c.name == name }), "the chain notes a refusal of %s, which has no mutated form", name)
	}
	assert.Zero(t, differences)
}

func mustYAML(t *testing.T, v any) string {
	t.Helper()
	y, err := sigyaml.Marshal(v)
	require.NoError(t, err)
	return string(y)
}
