// Package admission judges Kubernetes objects as the platform's admission chain does,
// before they reach the cluster: first Gatekeeper's mutators (Assign, AssignMetadata,
// ModifySet, AssignImage, in Gatekeeper's order, with applyTo, match, location and
// pathTests), then Gatekeeper's ConstraintTemplates and Constraints (Rego in v0 syntax,
// compiled once with OPA v1; match, parameters, enforcementAction and data.inventory) and
// Pod Security Admission (k8s.io/pod-security-admission, the kube-apiserver's own checks)
// on the mutated objects. Workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets,
// Jobs, CronJobs, Argo Rollouts and any kind with a pod template) are also judged by the
// Pod they create, as gator expand does.
//
// The policies come from Builtin (the platform's documented safeguards as this project
// writes them), Discover (the cluster's) or LoadPolicies (a snapshot, SnapshotFile). New
// compiles them once; Review judges a slice of objects.
//
// Speed: each constraint judges its matching objects in batches of one OPA evaluation;
// objects alike on everything a template's Rego reads (found from its input references,
// for example only metadata.labels) are evaluated once for all of them; and
// data.inventory carries, besides Gatekeeper's namespace and cluster trees, an index of
// NetworkPolicies (NetworkPolicyIndex) that the built-in network-policy template uses when
// present, so that a Pod is not matched against every NetworkPolicy of its namespace, and
// of workloads grouped by replicas and pod labels (WorkloadIndex) for the built-in
// PodDisruptionBudget template. Each object is converted to an OPA value once, for
// data.inventory and its review alike when no mutator changed it.
package admission
