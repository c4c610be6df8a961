package kinds

import "k8s.io/apimachinery/pkg/runtime/schema"

// clusterScoped are the cluster-scoped kinds of Kubernetes and of common add-ons.
var clusterScoped = map[schema.GroupKind]bool{}

func init() {
	for _, gk := range []schema.GroupKind{
		{Kind: "Namespace"}, {Kind: "Node"}, {Kind: "PersistentVolume"}, {Kind: "ComponentStatus"},
		{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"},
		{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"},
		{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"},
		{Group: "apiregistration.k8s.io", Kind: "APIService"},
		{Group: "storage.k8s.io", Kind: "StorageClass"},
		{Group: "storage.k8s.io", Kind: "CSIDriver"},
		{Group: "storage.k8s.io", Kind: "CSINode"},
		{Group: "storage.k8s.io", Kind: "VolumeAttachment"},
		{Group: "storage.k8s.io", Kind: "VolumeAttributesClass"},
		{Group: "scheduling.k8s.io", Kind: "PriorityClass"},
		{Group: "networking.k8s.io", Kind: "IngressClass"},
		{Group: "networking.k8s.io", Kind: "IPAddress"},
		{Group: "networking.k8s.io", Kind: "ServiceCIDR"},
		{Group: "node.k8s.io", Kind: "RuntimeClass"},
		{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"},
		{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"},
		{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicy"},
		{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicyBinding"},
		{Group: "admissionregistration.k8s.io", Kind: "MutatingAdmissionPolicy"},
		{Group: "admissionregistration.k8s.io", Kind: "MutatingAdmissionPolicyBinding"},
		{Group: "certificates.k8s.io", Kind: "CertificateSigningRequest"},
		{Group: "certificates.k8s.io", Kind: "ClusterTrustBundle"},
		{Group: "flowcontrol.apiserver.k8s.io", Kind: "FlowSchema"},
		{Group: "flowcontrol.apiserver.k8s.io", Kind: "PriorityLevelConfiguration"},
		{Group: "resource.k8s.io", Kind: "DeviceClass"},
		{Group: "resource.k8s.io", Kind: "ResourceSlice"},
		{Group: "policy", Kind: "PodSecurityPolicy"},
		{Group: "cert-manager.io", Kind: "ClusterIssuer"},
		{Group: "templates.gatekeeper.sh", Kind: "ConstraintTemplate"},
		{Group: "hnc.x-k8s.io", Kind: "HNCConfiguration"},
		{Group: "external-secrets.io", Kind: "ClusterSecretStore"},
		{Group: "external-secrets.io", Kind: "ClusterExternalSecret"},
		{Group: "kyverno.io", Kind: "ClusterPolicy"},
		{Group: "velero.io", Kind: "ServerStatusRequest"},
		{Group: "monitoring.coreos.com", Kind: "ClusterRule"},
		{Group: "argoproj.io", Kind: "ClusterWorkflowTemplate"},
	} {
		clusterScoped[gk] = true
	}
}

// ClusterScoped says whether gk is a cluster-scoped kind of Kubernetes or of a common add-on
// (cert-manager, Gatekeeper, HNC, External Secrets, Kyverno, Velero, Prometheus, Argo
// Workflows). Other kinds, custom resources included, are taken as namespaced: their CRD,
// when in the input, says otherwise.
func ClusterScoped(gk schema.GroupKind) bool { return clusterScoped[gk] }
