package namespaces_test

import (
	"fmt"

	"github.com/ck8sargo/ck8sargo/namespaces"
)

// A wait's progress says what is still missing before Argo CD can deploy into a new
// subnamespace: first the namespace itself, then its place in Argo CD's managed list.
func ExampleNamespaceReadiness_Missing() {
	r := namespaces.NamespaceReadiness{
		Namespace: "shop-feature", Parent: "shop", AnchorState: namespaces.AnchorStateMissing,
		ClusterSecret: "argocd-system/cluster-kubernetes.default.svc",
	}
	for _, m := range r.Missing() {
		fmt.Println(m)
	}
	r.Exists, r.Managed = true, true
	fmt.Println("ready:", r.Ready())
	// Output:
	// namespace "shop-feature" does not exist yet (HNC creates it from the anchor in "shop", whose state is Missing)
	// namespace "shop-feature" is not yet in the namespaces of Argo CD's cluster Secret argocd-system/cluster-kubernetes.default.svc (a platform job adds new namespaces about every minute)
	// ready: true
}
