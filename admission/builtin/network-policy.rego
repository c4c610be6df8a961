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
# the first that does. ck8sargo's chain adds an index of NetworkPolicies by one label of
# their matchLabels (data.inventory["ck8sargo.io/networkpolicies"]), so that a Pod is
# matched only against those that can select it; without the index (in Gatekeeper) every
# NetworkPolicy of the namespace is tried, with the same result.
selected(ns, lbls) {
	idx := data.inventory["ck8sargo.io/networkpolicies"]
	np := idx[ns].unkeyed[_]
	ck8sargo.selects(object.get(np, ["spec", "podSelector"], {}), lbls)
}

selected(ns, lbls) {
	idx := data.inventory["ck8sargo.io/networkpolicies"]
	v := lbls[k]
	np := idx[ns].keyed[k][v][_]
	ck8sargo.selects(object.get(np, ["spec", "podSelector"], {}), lbls)
}

selected(ns, lbls) {
	not data.inventory["ck8sargo.io/networkpolicies"]
	np := data.inventory.namespace[ns]["networking.k8s.io/v1"].NetworkPolicy[_]
	ck8sargo.selects(object.get(np, ["spec", "podSelector"], {}), lbls)
}

shown(ns) = ns {
	ns != ""
} else = "(none given)"
