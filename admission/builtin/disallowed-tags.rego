package ck8sargo.disallowedtags

import data.lib.ck8sargo

violation[{"msg": msg, "details": {"field": sprintf("%s.image", [c.path])}}] {
	c := ck8sargo.containers[_]
	img := c.container.image
	not ck8sargo.templated(img)
	not contains(img, "@")
	tag(img) == ""
	msg := sprintf("container %q uses image %q without a tag, which means latest", [c.container.name, img])
}

violation[{"msg": msg, "details": {"field": sprintf("%s.image", [c.path])}}] {
	c := ck8sargo.containers[_]
	img := c.container.image
	not ck8sargo.templated(img)
	not contains(img, "@")
	t := tag(img)
	t == input.parameters.tags[_]
	msg := sprintf("container %q uses image %q with the tag %s", [c.container.name, img, t])
}

tag(img) = t {
	parts := split(img, "/")
	last := split(parts[count(parts) - 1], ":")
	count(last) > 1
	t := last[count(last) - 1]
} else = ""
