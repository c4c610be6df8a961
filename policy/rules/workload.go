package rules

import (
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ck8sargo/ck8sargo/policy"
)

// container is one container of a pod spec, with the dotted path to it.
type container struct {
	name string
	spec map[string]any
	path string
}

func containers(o *policy.Object) ([]container, map[string]any, string) {
	spec, path := policy.PodSpec(o)
	if spec == nil {
		return nil, nil, ""
	}
	var out []container
	for _, field := range []string{"initContainers", "containers"} {
		for i, c := range asSlice(spec[field]) {
			m := asMap(c)
			if m == nil {
				continue
			}
			out = append(out, container{name: asString(m["name"]), spec: m, path: path + "." + field + "." + itoa(i)})
		}
	}
	return out, spec, path
}

var resourceRequests = policy.Rule{
	ID:       "resource-requests",
	Severity: policy.SeverityError,
	Title:    "A container has no cpu or memory request",
	Rationale: "The platform's admission policy denies Pods whose containers do not request " +
		"cpu and memory: requests let the scheduler place Pods so that a node failure or a " +
		"rolling node reboot does not starve the application.",
	Remediation: "Set resources.requests.cpu and resources.requests.memory on every container.",
	Kinds:       podKinds,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		cs, _, _ := containers(o)
		var out []policy.Violation
		for _, ct := range cs {
			req := asMap(asMap(ct.spec["resources"])["requests"])
			var missing []string
			for _, r := range []string{"cpu", "memory"} {
				if v, ok := req[r]; !ok || v == nil || v == "" {
					missing = append(missing, r)
				}
			}
			if len(missing) > 0 {
				out = append(out, violation(ct.path, "container %q has no %s request", ct.name, strings.Join(missing, " or ")))
			}
		}
		return out
	},
}

// imageParts splits an image reference into registry, repository path, tag and digest.
func imageParts(image string) (registry, path, tag, digest string) {
	rest := image
	if i := strings.Index(rest, "@"); i >= 0 {
		rest, digest = rest[:i], rest[i+1:]
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		rest, tag = rest[:i], rest[i+1:]
	}
	first, remainder, found := strings.Cut(rest, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first, remainder, tag, digest
	}
	return "docker.io", rest, tag, digest
}

var disallowedImageTag = policy.Rule{
	ID:       "disallowed-image-tag",
	Severity: policy.SeverityError,
	Title:    "An image has the tag latest or no tag",
	Rationale: "The platform's admission policy denies the latest tag: a moving tag makes " +
		"deployments unreproducible and rollbacks impossible. No tag means latest. A digest " +
		"pins the image and is fine.",
	Remediation: "Use a fixed version tag or a digest (image@sha256:...).",
	Kinds:       podKinds,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		cs, _, _ := containers(o)
		var out []policy.Violation
		for _, ct := range cs {
			image := asString(ct.spec["image"])
			if image == "" || isTemplated(image) {
				continue
			}
			_, _, tag, digest := imageParts(image)
			switch {
			case digest != "":
			case tag == "":
				out = append(out, violation(ct.path+".image", "container %q uses image %q without a tag, which means latest", ct.name, image))
			case tag == "latest":
				out = append(out, violation(ct.path+".image", "container %q uses image %q with the tag latest", ct.name, image))
			}
		}
		return out
	},
}

var imageRegistry = policy.Rule{
	ID:       "image-registry",
	Severity: policy.SeverityWarning,
	Title:    "An image is not from the environment's allowed registries",
	Rationale: "The platform warns about images from registries other than the environment's " +
		"own (Harbor), where images are scanned for vulnerabilities. Checked only when the " +
		"profile lists registries.",
	Remediation: "Push the image to one of the profile's registries and use it from there.",
	Kinds:       podKinds,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		allowed := c.Profile.Registries
		if len(allowed) == 0 {
			return nil
		}
		cs, _, _ := containers(o)
		var out []policy.Violation
		for _, ct := range cs {
			image := asString(ct.spec["image"])
			if image == "" || isTemplated(image) {
				continue
			}
			reg, path, _, _ := imageParts(image)
			full := reg + "/" + path
			ok := false
			for _, a := range allowed {
				a = strings.TrimSuffix(a, "/")
				if reg == a || strings.HasPrefix(full, a+"/") {
					ok = true
					break
				}
			}
			if !ok {
				out = append(out, violation(ct.path+".image", "container %q uses image %q from %s, not from %s", ct.name, image, reg, strings.Join(allowed, ", ")))
			}
		}
		return out
	},
}

const ignoreMinimumReplicas = "elastisys.io/ignore-minimum-replicas"

var minimumReplicas = policy.Rule{
	ID:       "minimum-replicas",
	Severity: policy.SeverityWarning,
	Title:    "A Deployment or StatefulSet has fewer than 2 replicas",
	Rationale: "The platform warns about single-replica workloads: with one replica, every " +
		"node reboot or rolling update is downtime. The go-live checklist asks for at least " +
		"two replicas.",
	Remediation: "Set spec.replicas to 2 or more, or annotate the object with elastisys.io/ignore-minimum-replicas when one replica is intended.",
	Kinds:       []schema.GroupKind{{Group: "apps", Kind: "Deployment"}, {Group: "apps", Kind: "StatefulSet"}},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		if _, ok := o.Annotations()[ignoreMinimumReplicas]; ok {
			return nil
		}
		replicas := int64(1)
		v := o.Get("spec", "replicas")
		if v != nil {
			n, ok := asInt(v)
			if !ok {
				return nil // a template value Helm left unresolved; nothing to judge
			}
			replicas = n
		}
		if replicas >= 2 {
			return nil
		}
		field := "spec.replicas"
		if v == nil {
			field = "spec"
		}
		return []policy.Violation{violation(field, "%s %q has %d replica(s)", o.Kind, o.Name, replicas)}
	},
}

func selectorOf(v any) (labels.Selector, bool) { return policy.LabelSelector(v) }

var networkPolicy = policy.Rule{
	ID:       "network-policy",
	Severity: policy.SeverityWarning,
	Title:    "Pods are not selected by any NetworkPolicy of their namespace",
	Rationale: "The platform warns about Pods that no NetworkPolicy selects: without one, a " +
		"compromised Pod can reach, and be reached from, everything in the cluster. Checked " +
		"against the NetworkPolicies in the input.",
	Remediation: "Add a NetworkPolicy in the same namespace whose podSelector selects these Pods and allows only the traffic they need.",
	Kinds:       podKinds,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		if o.Kind == "Job" || o.Kind == "CronJob" {
			// Job pods are short-lived; the platform's constraint targets long-running pods.
			return nil
		}
		podLabels := labels.Set(policy.PodLabels(o))
		for _, sel := range c.NetworkPolicySelectors(o.Namespace) {
			if sel.Matches(podLabels) {
				return nil
			}
		}
		ns := o.Namespace
		if ns == "" {
			ns = "(none given)"
		}
		return []policy.Violation{violation("", "the Pods of %s %q are not selected by any NetworkPolicy in namespace %s", o.Kind, o.Name, ns)}
	},
}

var pdbAllowsDisruption = policy.Rule{
	ID:       "pdb-allows-disruption",
	Severity: policy.SeverityError,
	Title:    "A PodDisruptionBudget allows no disruption",
	Rationale: "The platform's admission policy denies PodDisruptionBudgets that allow no " +
		"voluntary disruption: they block node drains, so the platform cannot patch or " +
		"reboot nodes.",
	Remediation: "Allow at least one disruption: maxUnavailable 1 or more, or minAvailable below the number of replicas.",
	Kinds:       []schema.GroupKind{{Group: "policy", Kind: "PodDisruptionBudget"}},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		if v := o.Get("spec", "maxUnavailable"); v != nil {
			if isZero(v) {
				return []policy.Violation{violation("spec.maxUnavailable", "PodDisruptionBudget %q has maxUnavailable %v", o.Name, v)}
			}
			return nil
		}
		v := o.Get("spec", "minAvailable")
		if v == nil {
			return nil
		}
		if s, ok := v.(string); ok {
			if strings.TrimSpace(s) == "100%" {
				return []policy.Violation{violation("spec.minAvailable", "PodDisruptionBudget %q has minAvailable 100%%", o.Name)}
			}
			return nil
		}
		minAvail, ok := asInt(v)
		if !ok {
			return nil
		}
		sel, ok := selectorOf(o.Get("spec", "selector"))
		if !ok {
			return nil
		}
		for _, w := range c.Workloads(o.Namespace) {
			if !sel.Matches(labels.Set(policy.PodLabels(w))) {
				continue
			}
			replicas := int64(1)
			if r, ok := asInt(w.Get("spec", "replicas")); ok {
				replicas = r
			} else if w.Get("spec", "replicas") != nil || w.Kind == "DaemonSet" {
				continue
			}
			if minAvail >= replicas {
				return []policy.Violation{violation("spec.minAvailable", "PodDisruptionBudget %q has minAvailable %d for %s %q with %d replica(s)", o.Name, minAvail, w.Kind, w.Name, replicas)}
			}
		}
		return nil
	},
}

func isZero(v any) bool {
	if n, ok := asInt(v); ok {
		return n == 0
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	iv := intstr.Parse(strings.TrimSpace(s))
	if iv.Type == intstr.Int {
		return iv.IntVal == 0
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")) == "0"
}

var noLoadBalancer = policy.Rule{
	ID:       "no-load-balancer",
	Severity: policy.SeverityWarning,
	Title:    "A Service has type LoadBalancer",
	Rationale: "Where the platform enables it, its admission policy rejects LoadBalancer " +
		"Services: traffic enters through the platform's Ingress controller, which terminates " +
		"TLS and is monitored. Each LoadBalancer is also a cost and an exposed address.",
	Remediation: "Use a ClusterIP Service behind an Ingress.",
	Kinds:       []schema.GroupKind{{Kind: "Service"}},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		if o.String("spec", "type") != "LoadBalancer" {
			return nil
		}
		return []policy.Violation{violation("spec.type", "Service %q has type LoadBalancer", o.Name)}
	},
}

var noLocalhostSeccomp = policy.Rule{
	ID:       "no-localhost-seccomp",
	Severity: policy.SeverityError,
	Title:    "A Pod uses a Localhost seccomp profile",
	Rationale: "The platform's admission policy denies Localhost seccomp profiles: they name " +
		"files on the node, which application developers do not control.",
	Remediation: "Use seccompProfile.type RuntimeDefault.",
	Kinds:       podKinds,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		cs, spec, path := containers(o)
		var out []policy.Violation
		if asString(asMap(asMap(spec["securityContext"])["seccompProfile"])["type"]) == "Localhost" {
			out = append(out, violation(path+".securityContext.seccompProfile", "the pod's seccompProfile is Localhost"))
		}
		for _, ct := range cs {
			if asString(asMap(asMap(ct.spec["securityContext"])["seccompProfile"])["type"]) == "Localhost" {
				out = append(out, violation(ct.path+".securityContext.seccompProfile", "container %q has a Localhost seccompProfile", ct.name))
			}
		}
		ann := podAnnotations(o)
		for _, k := range sortedKeys(ann) {
			if strings.HasPrefix(k, "seccomp.security.alpha.kubernetes.io/") || strings.HasPrefix(k, "container.seccomp.security.alpha.kubernetes.io/") {
				if strings.HasPrefix(asString(ann[k]), "localhost/") {
					out = append(out, violation("", "annotation %s sets a localhost seccomp profile", k))
				}
			}
		}
		return out
	},
}

func podAnnotations(o *policy.Object) map[string]any {
	switch o.Kind {
	case "Pod":
		return o.Map("metadata", "annotations")
	case "CronJob":
		return o.Map("spec", "jobTemplate", "spec", "template", "metadata", "annotations")
	}
	return o.Map("spec", "template", "metadata", "annotations")
}

var podSecurityRestricted = policy.Rule{
	ID:       "pod-security-restricted",
	Severity: policy.SeverityError,
	Title:    "A Pod explicitly violates the Pod Security restricted profile",
	Rationale: "Application namespaces enforce Pod Security Admission restricted: Pods that " +
		"are privileged, share host namespaces, mount hostPath volumes, add capabilities " +
		"beyond NET_BIND_SERVICE, allow privilege escalation or run as root are rejected, " +
		"and the workload never starts.",
	Remediation: "Remove the setting; run as a non-root user with allowPrivilegeEscalation false and only NET_BIND_SERVICE added.",
	Kinds:       podKinds,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		cs, spec, path := containers(o)
		if spec == nil {
			return nil
		}
		var out []policy.Violation
		for _, h := range []string{"hostNetwork", "hostPID", "hostIPC"} {
			if b, _ := asBool(spec[h]); b {
				out = append(out, violation(path+"."+h, "the pod sets %s: true", h))
			}
		}
		for i, v := range asSlice(spec["volumes"]) {
			if m := asMap(v); m != nil && m["hostPath"] != nil {
				out = append(out, violation(path+".volumes."+itoa(i), "volume %q is a hostPath", asString(m["name"])))
			}
		}
		psc := asMap(spec["securityContext"])
		out = append(out, runAsViolations(psc, path+".securityContext", "the pod")...)
		for _, ct := range cs {
			sc := asMap(ct.spec["securityContext"])
			who := sprintf("container %q", ct.name)
			if b, _ := asBool(sc["privileged"]); b {
				out = append(out, violation(ct.path+".securityContext.privileged", "%s is privileged", who))
			}
			if b, ok := asBool(sc["allowPrivilegeEscalation"]); ok && b {
				out = append(out, violation(ct.path+".securityContext.allowPrivilegeEscalation", "%s sets allowPrivilegeEscalation: true", who))
			}
			for _, cp := range asSlice(asMap(sc["capabilities"])["add"]) {
				if name := strings.TrimPrefix(strings.ToUpper(asString(cp)), "CAP_"); name != "NET_BIND_SERVICE" {
					out = append(out, violation(ct.path+".securityContext.capabilities.add", "%s adds capability %s", who, asString(cp)))
				}
			}
			out = append(out, runAsViolations(sc, ct.path+".securityContext", who)...)
		}
		return out
	},
}

func runAsViolations(sc map[string]any, path, who string) []policy.Violation {
	var out []policy.Violation
	if b, ok := asBool(sc["runAsNonRoot"]); ok && !b {
		out = append(out, violation(path+".runAsNonRoot", "%s sets runAsNonRoot: false", who))
	}
	if n, ok := asInt(sc["runAsUser"]); ok && n == 0 && sc["runAsUser"] != nil {
		out = append(out, violation(path+".runAsUser", "%s runs as user 0 (root)", who))
	}
	return out
}
