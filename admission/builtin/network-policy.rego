package ck8sargo.requirenetworkpolicy

import data.lib.ck8sargo

violation[{"msg": msg}] {
	obj := input.review.object
	not obj.metadata.deletionTimestamp
	lbls := ck8sargo.pod_labels(obj)
	ns := input.review.namespace
	not selected(ns, lbls)
	msg := sprintf("the Pods of %s %q are not selected by any NetworkPolicy in namespace %s", [obj.kind, obj.metadata.name, shown(ns)])
}

# selected says whether a NetworkPolicy of the namespace selects the labels; it stops at
# the first that does, where collecting them all made every Pod cost as many selector
# matches as the namespace has NetworkPolicies.
selected(ns, lbls) {
	np := data.inventory.namespace[ns]["networking.k8s.io/v1"].NetworkPolicy[_]
	ck8sargo.selects(object.get(np, ["spec", "podSelector"], {}), lbls)
}

shown(ns) = ns {
	ns != ""
} else = "(none given)"
