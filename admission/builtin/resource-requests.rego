package ck8sargo.resourcerequests

import data.lib.ck8sargo

violation[{"msg": msg, "details": {"field": sprintf("%s.resources", [c.path])}}] {
	c := ck8sargo.containers[_]
	missing := [r | r := ["cpu", "memory"][_]; not has_request(c.container, r)]
	count(missing) > 0
	msg := sprintf("container %q has no %s request", [c.container.name, concat(" or ", missing)])
}

has_request(ct, r) {
	v := ct.resources.requests[r]
	v != null
	v != ""
}
