package ck8sargo.allowedrepos

import data.lib.ck8sargo

violation[{"msg": msg, "details": {"field": sprintf("%s.image", [c.path])}}] {
	c := ck8sargo.containers[_]
	img := c.container.image
	img != ""
	not ck8sargo.templated(img)
	not allowed(img)
	msg := sprintf("container %q uses image %q from %s, not from %s", [c.container.name, img, registry(img), concat(", ", input.parameters.repos)])
}

allowed(img) {
	a := trim_suffix(input.parameters.repos[_], "/")
	registry(img) == a
}

allowed(img) {
	a := trim_suffix(input.parameters.repos[_], "/")
	startswith(full(img), concat("", [a, "/"]))
}

registry(img) = r {
	parts := split(img, "/")
	count(parts) > 1
	is_host(parts[0])
	r := parts[0]
} else = "docker.io"

full(img) = img {
	registry(img) != "docker.io"
} else = concat("/", ["docker.io", img])

is_host(s) {
	contains(s, ".")
}

is_host(s) {
	contains(s, ":")
}

is_host(s) {
	s == "localhost"
}
