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

violation[{"msg": msg, "details": {"field": "spec.minAvailable"}}] {
	pdb := input.review.object
	not pdb.spec.maxUnavailable
	n := pdb.spec.minAvailable
	is_number(n)
	w := workloads[_]
	ck8sargo.selects(object.get(pdb, ["spec", "selector"], {}), ck8sargo.pod_labels(w))
	r := replicas(w)
	n >= r
	msg := sprintf("PodDisruptionBudget %q has minAvailable %d for %s %q with %d replica(s)", [pdb.metadata.name, n, w.kind, w.metadata.name, r])
}

workloads[w] {
	kind_of_workload[[av, kind]]
	w := data.inventory.namespace[input.review.namespace][av][kind][_]
}

kind_of_workload[["apps/v1", "Deployment"]]

kind_of_workload[["apps/v1", "StatefulSet"]]

kind_of_workload[["apps/v1", "ReplicaSet"]]

kind_of_workload[["v1", "ReplicationController"]]

kind_of_workload[["v1", "Pod"]]

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
