package admission

import (
	"embed"
	"slices"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

//go:embed builtin/*.rego
var builtinRego embed.FS

func regoFile(name string) string {
	b, err := builtinRego.ReadFile("builtin/" + name)
	if err != nil {
		panic("admission: built-in Rego " + name + " is missing: " + err.Error())
	}
	return string(b)
}

// Built-in constraint kinds: the platform's safeguards, as the project writes them.
const (
	KindResourceRequests     = "K8sResourceRequests"
	KindDisallowedTags       = "K8sDisallowedTags"
	KindAllowedRepos         = "K8sAllowedRepos"
	KindMinimumReplicas      = "K8sMinimumReplicas"
	KindRequireNetworkPolicy = "K8sRequireNetworkPolicy"
	KindPodDisruptionBudget  = "K8sPodDisruptionBudget"
	KindRejectLoadBalancer   = "K8sRejectLoadBalancerService"
	KindDisallowLocalhostSec = "K8sDisallowLocalhostSeccomp"
)

// MinimumReplicasAnnotation opts a Deployment or StatefulSet out of the minimum replicas
// constraint.
const MinimumReplicasAnnotation = "elastisys.io/ignore-minimum-replicas"

var podKinds = []any{
	map[string]any{"apiGroups": []any{""}, "kinds": []any{"Pod", "ReplicationController"}},
	map[string]any{"apiGroups": []any{"apps"}, "kinds": []any{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}},
	map[string]any{"apiGroups": []any{"batch"}, "kinds": []any{"Job", "CronJob"}},
	map[string]any{"apiGroups": []any{"argoproj.io"}, "kinds": []any{"Rollout"}},
}

// Builtin returns the platform's documented admission policies as the project mirrors
// them: the Pod mutators (capabilities drop ALL, allowPrivilegeEscalation false,
// privileged false, runAsNonRoot true, seccompProfile RuntimeDefault, hostPID and hostIPC
// false, each only where the field is missing) and the safeguard constraints with their
// default enforcement actions, on every namespace that is not the platform's. Pod
// Security (restricted) is not a policy object: DefaultOptions sets it.
func Builtin(p argocdmanaged.Profile) Policies {
	platform := slices.Clone(p.Namespaces.Platform)
	if !slices.Contains(platform, p.ArgoCD.Namespace) {
		platform = append(platform, p.ArgoCD.Namespace)
	}
	slices.Sort(platform)
	excluded := make([]any, len(platform))
	for i, n := range platform {
		excluded[i] = n
	}
	appNamespaces := func(kinds []any) map[string]any {
		return map[string]any{
			"kinds":              kinds,
			"excludedNamespaces": excluded,
			"namespaceSelector": map[string]any{"matchExpressions": []any{map[string]any{
				"key": argocdmanaged.PlatformOwnerLabel, "operator": "NotIn", "values": []any{argocdmanaged.PlatformOwnerValue}}}},
		}
	}
	var out Policies
	lib := regoFile("lib.rego")
	// tmpl adds a template; params are the types of its parameters, for the constraint
	// CRD's schema ("string", "integer", or "[]string").
	tmpl := func(kind, file string, libs bool, params map[string]string) {
		target := map[string]any{"target": Target, "rego": regoFile(file)}
		if libs {
			target["libs"] = []any{lib}
		}
		crd := map[string]any{"names": map[string]any{"kind": kind}}
		if len(params) > 0 {
			props := map[string]any{}
			for name, typ := range params {
				if typ == "[]string" {
					props[name] = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
				} else {
					props[name] = map[string]any{"type": typ}
				}
			}
			crd["validation"] = map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "properties": props}}
		}
		out.Objects = append(out.Objects, Object{
			"apiVersion": TemplatesGroup + "/v1", "kind": KindTemplate,
			"metadata": map[string]any{"name": strings.ToLower(kind)},
			"spec": map[string]any{
				"crd":     map[string]any{"spec": crd},
				"targets": []any{target},
			},
		})
	}
	cons := func(kind, name, action string, kinds []any, params map[string]any) {
		spec := map[string]any{"enforcementAction": action, "match": appNamespaces(kinds)}
		if params != nil {
			spec["parameters"] = params
		}
		out.Objects = append(out.Objects, Object{
			"apiVersion": ConstraintsGroup + "/v1beta1", "kind": kind,
			"metadata": map[string]any{"name": name}, "spec": spec,
		})
	}
	apps := []any{map[string]any{"apiGroups": []any{"apps"}, "kinds": []any{"Deployment", "StatefulSet"}}}
	tmpl(KindResourceRequests, "resource-requests.rego", true, nil)
	cons(KindResourceRequests, "require-resource-requests", "deny", podKinds, nil)
	tmpl(KindDisallowedTags, "disallowed-tags.rego", true, map[string]string{"tags": "[]string"})
	cons(KindDisallowedTags, "container-image-must-not-have-disallowed-tags", "deny", podKinds, map[string]any{"tags": []any{"latest"}})
	if len(p.Registries) > 0 {
		repos := make([]any, len(p.Registries))
		for i, r := range p.Registries {
			repos[i] = r
		}
		tmpl(KindAllowedRepos, "allowed-repos.rego", true, map[string]string{"repos": "[]string"})
		cons(KindAllowedRepos, "require-harbor-repo", "warn", podKinds, map[string]any{"repos": repos})
	}
	tmpl(KindMinimumReplicas, "minimum-replicas.rego", false, map[string]string{"min_replicas": "integer", "annotation": "string"})
	cons(KindMinimumReplicas, "warn-minimum-replicas", "warn", apps, map[string]any{"min_replicas": int64(2), "annotation": MinimumReplicasAnnotation})
	tmpl(KindRequireNetworkPolicy, "network-policy.rego", true, nil)
	cons(KindRequireNetworkPolicy, "require-networkpolicy", "warn", podKinds, nil)
	tmpl(KindPodDisruptionBudget, "pdb.rego", true, nil)
	cons(KindPodDisruptionBudget, "restrict-pod-disruption-budgets", "deny",
		[]any{map[string]any{"apiGroups": []any{"policy"}, "kinds": []any{"PodDisruptionBudget"}}}, nil)
	tmpl(KindRejectLoadBalancer, "load-balancer.rego", false, nil)
	cons(KindRejectLoadBalancer, "reject-loadbalancer-service", "warn",
		[]any{map[string]any{"apiGroups": []any{""}, "kinds": []any{"Service"}}}, nil)
	tmpl(KindDisallowLocalhostSec, "localhost-seccomp.rego", true, nil)
	cons(KindDisallowLocalhostSec, "disallow-localhost-seccomp", "deny", podKinds, nil)

	podOnly := []any{map[string]any{"apiGroups": []any{""}, "kinds": []any{"Pod"}}}
	mut := func(kind, name, location string, params map[string]any) {
		params["pathTests"] = []any{map[string]any{"subPath": location, "condition": "MustNotExist"}}
		match := appNamespaces(podOnly)
		match["scope"] = "Namespaced"
		out.Objects = append(out.Objects, Object{
			"apiVersion": MutationsGroup + "/v1", "kind": kind,
			"metadata": map[string]any{"name": name},
			"spec": map[string]any{
				"applyTo":    []any{map[string]any{"groups": []any{""}, "kinds": []any{"Pod"}, "versions": []any{"v1"}}},
				"match":      match,
				"location":   location,
				"parameters": params,
			},
		})
	}
	for _, list := range []struct{ field, suffix string }{{"containers", "container"}, {"initContainers", "init"}, {"ephemeralContainers", "ephemeral"}} {
		base := "spec." + list.field + "[name: *].securityContext."
		mut(KindModifySet, "capabilities-"+list.suffix, base+"capabilities.drop", map[string]any{"values": map[string]any{"fromList": []any{"ALL"}}})
		mut(KindAssign, "privilege-escalation-"+list.suffix, base+"allowPrivilegeEscalation", map[string]any{"assign": map[string]any{"value": false}})
		mut(KindAssign, "privileged-"+list.suffix, base+"privileged", map[string]any{"assign": map[string]any{"value": false}})
		mut(KindAssign, "run-as-non-root-"+list.suffix, base+"runAsNonRoot", map[string]any{"assign": map[string]any{"value": true}})
	}
	mut(KindAssign, "seccomp-runtime-default", "spec.securityContext.seccompProfile", map[string]any{"assign": map[string]any{"value": map[string]any{"type": "RuntimeDefault"}}})
	mut(KindAssign, "host-pid", "spec.hostPID", map[string]any{"assign": map[string]any{"value": false}})
	mut(KindAssign, "host-ipc", "spec.hostIPC", map[string]any{"assign": map[string]any{"value": false}})
	return out
}
