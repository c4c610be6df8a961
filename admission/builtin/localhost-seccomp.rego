package ck8sargo.disallowlocalhostseccomp

import data.lib.ck8sargo

violation[{"msg": "the pod's seccompProfile is Localhost", "details": {"field": sprintf("%s.securityContext.seccompProfile", [s[1]])}}] {
	s := ck8sargo.pod_spec(input.review.object)
	s[0].securityContext.seccompProfile.type == "Localhost"
}

violation[{"msg": msg, "details": {"field": sprintf("%s.securityContext.seccompProfile", [c.path])}}] {
	c := ck8sargo.containers[_]
	c.container.securityContext.seccompProfile.type == "Localhost"
	msg := sprintf("container %q has a Localhost seccompProfile", [c.container.name])
}

violation[{"msg": msg}] {
	ann := object.get(ck8sargo.pod_meta(input.review.object), "annotations", {})
	v := ann[k]
	seccomp_annotation(k)
	startswith(v, "localhost/")
	msg := sprintf("annotation %s sets a localhost seccomp profile", [k])
}

seccomp_annotation(k) {
	startswith(k, "seccomp.security.alpha.kubernetes.io/")
}

seccomp_annotation(k) {
	startswith(k, "container.seccomp.security.alpha.kubernetes.io/")
}
