package ck8sargo.rejectloadbalancer

violation[{"msg": msg, "details": {"field": "spec.type"}}] {
	svc := input.review.object
	svc.spec.type == "LoadBalancer"
	msg := sprintf("Service %q has type LoadBalancer", [svc.metadata.name])
}
