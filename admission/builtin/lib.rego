package lib.ck8sargo

# The pod spec of a Pod or of a workload's pod template, with its dotted path.
pod_spec(obj) = [obj.spec, "spec"] {
	obj.kind == "Pod"
}

pod_spec(obj) = [obj.spec.jobTemplate.spec.template.spec, "spec.jobTemplate.spec.template.spec"] {
	obj.kind != "Pod"
	obj.spec.jobTemplate.spec.template.spec
}

pod_spec(obj) = [obj.spec.template.spec, "spec.template.spec"] {
	obj.kind != "Pod"
	not obj.spec.jobTemplate
	obj.spec.template.spec
}

# The metadata of a Pod, or of a workload's pod template.
pod_meta(obj) = m {
	obj.kind == "Pod"
	m := object.get(obj, "metadata", {})
} else = m {
	m := object.get(obj, ["spec", "jobTemplate", "spec", "template", "metadata"], null)
	m != null
} else = m {
	m := object.get(obj, ["spec", "template", "metadata"], {})
}

pod_labels(obj) = object.get(pod_meta(obj), "labels", {})

# Every init container and container of the reviewed object, with its path.
containers[c] {
	[spec, path] := pod_spec(input.review.object)
	field := ["initContainers", "containers"][_]
	ct := spec[field][i]
	c := {"container": ct, "path": sprintf("%s.%s.%d", [path, field, i])}
}

# selects says whether a metav1.LabelSelector selects a set of labels; an absent selector
# selects everything.
selects(sel, lbls) {
	not label_mismatch(sel, lbls)
	not expression_fails(sel, lbls)
}

label_mismatch(sel, lbls) {
	v := sel.matchLabels[k]
	not lbls[k] == v
}

expression_fails(sel, lbls) {
	e := sel.matchExpressions[_]
	not expression_holds(e, lbls)
}

expression_holds(e, lbls) {
	e.operator == "In"
	lbls[e.key] == e.values[_]
}

expression_holds(e, lbls) {
	e.operator == "NotIn"
	not value_in(e, lbls)
}

expression_holds(e, lbls) {
	e.operator == "Exists"
	_ = lbls[e.key]
}

expression_holds(e, lbls) {
	e.operator == "DoesNotExist"
	not has_label(lbls, e.key)
}

value_in(e, lbls) {
	lbls[e.key] == e.values[_]
}

has_label(lbls, key) {
	_ = lbls[key]
}

templated(s) {
	contains(s, "{{")
}
