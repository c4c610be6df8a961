package admission

import (
	"fmt"
	"strings"
)

// podTemplatePath finds a workload's pod template: spec.template for Deployments,
// StatefulSets, DaemonSets, ReplicaSets, Jobs, ReplicationControllers, Argo Rollouts and
// any kind with spec.template.spec; spec.jobTemplate.spec.template for CronJobs and any
// kind with a job template.
func podTemplatePath(o Object) (map[string]any, string) {
	spec := asMap(o["spec"])
	if spec == nil || (group(o) == "" && str(o["kind"]) == "Pod") {
		return nil, ""
	}
	if t := asMap(spec["template"]); t != nil && asMap(t["spec"]) != nil {
		return t, "spec.template"
	}
	if jt := asMap(spec["jobTemplate"]); jt != nil {
		if t := asMap(asMap(jt["spec"])["template"]); t != nil && asMap(t["spec"]) != nil {
			return t, "spec.jobTemplate.spec.template"
		}
	}
	return nil, ""
}

// controllerOf is the kind of the object that owns a workload's Pods.
func controllerOf(o Object) (apiVersion, kind string) {
	switch str(o["kind"]) {
	case "Deployment":
		return "apps/v1", "ReplicaSet"
	case "CronJob":
		return "batch/v1", "Job"
	case "Rollout":
		return "apps/v1", "ReplicaSet"
	}
	return str(o["apiVersion"]), str(o["kind"])
}

// expandPod builds the Pod a workload creates, as gator expand does: the template's
// metadata and spec, in the workload's namespace. It also carries the controller owner
// reference the real Pod has. prefix is the template's path in the workload.
func expandPod(o Object) (Object, string) {
	t, prefix := podTemplatePath(o)
	if t == nil {
		return nil, ""
	}
	meta, _ := deepCopy(asMap(t["metadata"])).(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	ometa := asMap(o["metadata"])
	if ns := str(ometa["namespace"]); ns != "" {
		meta["namespace"] = ns
	}
	name := str(ometa["name"])
	if str(meta["name"]) == "" {
		meta["name"] = name + "-pod"
	}
	av, kind := controllerOf(o)
	meta["ownerReferences"] = []any{map[string]any{"apiVersion": av, "kind": kind, "name": name, "controller": true, "blockOwnerDeletion": true, "uid": ""}}
	return Object{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": deepCopy(t["spec"])}, prefix
}

// templatePath maps a path in the expanded Pod to the workload's template.
func templatePath(prefix, path string) string {
	switch {
	case path == "":
		return prefix + ".spec"
	case strings.HasPrefix(path, "metadata.ownerReferences"), path == "metadata.name", path == "metadata.namespace":
		return "metadata"
	}
	return prefix + "." + path
}

// note says what a mutation means for the user, for the changes they must act on.
func note(obj Object, ch change) string {
	parts := strings.Split(ch.path, ".")
	field := parts[len(parts)-1]
	who := "the pod"
	if len(parts) >= 3 && strings.HasSuffix(parts[len(parts)-3], "ontainers") || len(parts) >= 4 && parts[len(parts)-2] == "securityContext" && strings.HasSuffix(parts[len(parts)-4], "ontainers") {
		who = containerName(obj, parts)
	}
	switch field {
	case "runAsNonRoot":
		if ch.value == true {
			return fmt.Sprintf("the platform sets runAsNonRoot: true on %s; the image must run as a non-root user (a numeric USER in the image, or runAsUser), or the Pod does not start", who)
		}
	case "runAsUser", "runAsGroup", "fsGroup":
		return fmt.Sprintf("the platform sets %s: %v on %s; the image's files must be usable by that id", field, ch.value, who)
	case "supplementalGroups":
		return fmt.Sprintf("the platform sets supplementalGroups %v on %s", ch.value, who)
	case "readOnlyRootFilesystem":
		if ch.value == true {
			return fmt.Sprintf("the platform sets readOnlyRootFilesystem: true on %s; write only to mounted volumes (an emptyDir for /tmp)", who)
		}
	case "image":
		return fmt.Sprintf("the platform changes the image of %s to %v; that image must exist", who, ch.value)
	case "allowPrivilegeEscalation":
		// The platform's mutator, like Gatekeeper's library one, tests only that the
		// field is missing, so it reaches privileged containers too, and the API server's
		// validation then refuses the Pod before Pod Security runs.
		if ch.value == false && asMap(asMap(containerAt(obj, parts))["securityContext"])["privileged"] == true {
			return fmt.Sprintf("the platform sets allowPrivilegeEscalation: false on %s, which is privileged: the API server refuses the Pod (%s); set allowPrivilegeEscalation: true on it and ask the Platform Administrator for an exception, or drop privileged", who, PrivilegedEscalationMessage)
		}
	}
	return ""
}

// PrivilegedEscalationMessage is the API server's validation message for a privileged
// container with allowPrivilegeEscalation false.
const PrivilegedEscalationMessage = "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"

// containerAt is the container a dotted path (spec.containers.<i>....) is in, or nil.
func containerAt(obj Object, parts []string) any {
	for i := 0; i+1 < len(parts); i++ {
		if !strings.HasSuffix(parts[i], "ontainers") {
			continue
		}
		list := asSlice(asMap(obj["spec"])[parts[i]])
		var idx int
		if _, err := fmt.Sscanf(parts[i+1], "%d", &idx); err == nil && idx >= 0 && idx < len(list) {
			return list[idx]
		}
	}
	return nil
}

func containerName(obj Object, parts []string) string {
	// parts: spec, containers, <i>, securityContext, field
	if n := str(asMap(containerAt(obj, parts))["name"]); n != "" {
		return fmt.Sprintf("container %q", n)
	}
	return "a container"
}
