package ck8sargo.poddisruptionbudget

import data.lib.ck8sargo

violation[{"msg": msg, "details": {"field": "spec.maxUnavailable"}}] {
	pdb := input.review.object
	v := pdb.spec.maxUnavailable
	zero(v)
	msg := sprintf("PodDisruptionBudget %q has maxUnavailable %v", [pdb.metadata.name, v])
}

violation[{"msg": msg, "details": {"field": "spec.minAvailable"}}] {
	pdb := input.review.object
	not pdb.spec.maxUnavailable
	trim_space(pdb.spec.minAvailable) == "100%"
	msg := sprintf("PodDisruptionBudget %q has minAvailable 100%%", [pdb.metadata.name])
}

# ck8sargo's chain adds an index of the workloads by namespace, grouped by replicas and pod
# labels (data.inventory["ck8sargo.io/workloads"]), so that minAvailable and the selector
# are checked once per group; workloads with odd fields are in "other", judged whole.
# Without the index (in Gatekeeper) every workload is enumerated, with the same result.
violation[{"msg": msg, "details": {"field": "spec.minAvailable"}}] {
	pdb := input.review.object
	not pdb.spec.maxUnavailable
	n := pdb.spec.minAvailable
	is_number(n)
	sel := object.get(pdb, ["spec", "selector"], {})
	g := data.inventory["ck8sargo.io/workloads"][input.review.namespace].grouped[_]
	n >= g.replicas
	ck8sargo.selects(sel, g.labels)
	w := g.workloads[_]
	msg := sprintf("PodDisruptionBudget %q has minAvailable %d for %s %q with %d replica(s)", [pdb.metadata.name, n, w[0], w[1], g.replicas])
}

violation[{"msg": msg, "details": {"field": "spec.minAvailable"}}] {
	pdb := input.review.object
	not pdb.spec.maxUnavailable
	n := pdb.spec.minAvailable
	is_number(n)
	sel := object.get(pdb, ["spec", "selector"], {})
	w := data.inventory["ck8sargo.io/workloads"][input.review.namespace].other[_]
	r := replicas(w)
	n >= r
	ck8sargo.selects(sel, ck8sargo.pod_labels(w))
	msg := sprintf("PodDisruptionBudget %q has minAvailable %d for %s %q with %d replica(s)", [pdb.metadata.name, n, w.kind, w.metadata.name, r])
}

violation[{"msg": msg, "details": {"field": "spec.minAvailable"}}] {
	pdb := input.review.object
	not pdb.spec.maxUnavailable
	not data.inventory["ck8sargo.io/workloads"]
	n := pdb.spec.minAvailable
	is_number(n)
	sel := object.get(pdb, ["spec", "selector"], {})
	# The workloads are enumerated here rather than collected in a set: a set of whole
	# objects is hashed and compared object by object, which made this the slowest rule.
	kind := workload_kinds[_]
	w := data.inventory.namespace[input.review.namespace][kind[0]][kind[1]][_]
	# Replicas first: it is cheaper than the selector, and most workloads fail it.
	r := replicas(w)
	n >= r
	ck8sargo.selects(sel, ck8sargo.pod_labels(w))
	msg := sprintf("PodDisruptionBudget %q has minAvailable %d for %s %q with %d replica(s)", [pdb.metadata.name, n, w.kind, w.metadata.name, r])
}

# The kinds whose Pods a PodDisruptionBudget protects, by apiVersion and kind.
workload_kinds := [
	["apps/v1", "Deployment"],
	["apps/v1", "StatefulSet"],
	["apps/v1", "ReplicaSet"],
	["v1", "ReplicationController"],
	["v1", "Pod"],
]

replicas(w) = 1 {
	w.kind == "Pod"
} else = n {
	n := w.spec.replicas
	is_number(n)
} else = 1 {
	object.get(w.spec, "replicas", null) == null
}

zero(v) {
	v == 0
}

zero(v) {
	is_string(v)
	s := trim_space(trim_suffix(trim_space(v), "%"))
	s == "0"
}
