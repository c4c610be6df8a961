package ck8sargo.minimumreplicas

violation[{"msg": msg, "details": {"field": r[1]}}] {
	obj := input.review.object
	not has_annotation(obj, input.parameters.annotation)
	r := replicas(obj)
	r[0] < input.parameters.min_replicas
	msg := sprintf("%s %q has %d replica(s)", [obj.kind, obj.metadata.name, r[0]])
}

has_annotation(obj, key) {
	_ = obj.metadata.annotations[key]
}

replicas(obj) = [n, "spec.replicas"] {
	n := obj.spec.replicas
	is_number(n)
}

replicas(obj) = [1, "spec"] {
	object.get(object.get(obj, "spec", {}), "replicas", null) == null
}
