package ck8sargo.requirenetworkpolicy

import data.lib.ck8sargo

violation[{"msg": msg}] {
	obj := input.review.object
	not obj.metadata.deletionTimestamp
	lbls := ck8sargo.pod_labels(obj)
	ns := input.review.namespace
	selecting := [np |
		np := data.inventory.namespace[ns]["networking.k8s.io/v1"].NetworkPolicy[_]
		ck8sargo.selects(object.get(np, ["spec", "podSelector"], {}), lbls)
	]
	count(selecting) == 0
	msg := sprintf("the Pods of %s %q are not selected by any NetworkPolicy in namespace %s", [obj.kind, obj.metadata.name, shown(ns)])
}

shown(ns) = ns {
	ns != ""
} else = "(none given)"
