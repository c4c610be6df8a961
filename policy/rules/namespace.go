package rules

import (
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/fix"
)

const namespaceCreateHint = "Remove the Namespace from the manifests and create it as an HNC subnamespace of a parent namespace; then ask the Platform Administrator to let Argo CD manage it if it is not listed yet."

// createNamespace is the fix of a namespace that must exist before Argo CD deploys into it.
func createNamespace(ns string) fix.Fix { return fix.Fix{Op: fix.CreateNamespace, Subject: ns} }

var noNamespaceResource = policy.Rule{
	ID:       "no-namespace-resource",
	Severity: policy.SeverityError,
	Title:    "A Namespace object is among the deployed manifests",
	Rationale: "Argo CD runs in namespaced mode on this platform: it holds Roles in a list of " +
		"namespaces, not ClusterRoles, so it cannot create a Namespace. Sync fails with " +
		"`Cluster level Namespace \"x\" can not be managed when in namespaced mode`, and a " +
		"namespace that is not yet in Argo CD's list fails at comparison, before any sync wave " +
		"could create it (ADR-0042). Namespaces are created by the developer as HNC " +
		"subnamespaces.",
	Remediation: namespaceCreateHint,
	Fix:         createNamespace(""),
	Kinds:       []schema.GroupKind{{Kind: "Namespace"}},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		v := violation("", "Namespace %q would have to be created by Argo CD, which runs in namespaced mode here and cannot manage Namespaces", o.Name)
		v.Remediation, v.Fix = sprintf("Remove the Namespace from the manifests and create %s as an HNC subnamespace of a parent namespace.", o.Name), createNamespace(o.Name)
		return []policy.Violation{v}
	},
}

var noCreateNamespace = policy.Rule{
	ID:       "no-create-namespace",
	Severity: policy.SeverityError,
	Title:    "An Application asks Argo CD to create or label its destination namespace",
	Rationale: "`syncOptions: [CreateNamespace=true]` and `managedNamespaceMetadata` make Argo CD " +
		"create or patch the destination Namespace, a cluster-scoped object that the platform's " +
		"namespaced Argo CD may not manage; the sync fails.",
	Remediation: "Remove CreateNamespace=true and managedNamespaceMetadata, and create the namespace as an HNC subnamespace of a parent namespace.",
	Fix:         createNamespace(""),
	Kinds:       argoApps,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		s := specOf(o)
		if s == nil || s.spec.SyncPolicy == nil {
			return nil
		}
		var out []policy.Violation
		ns := s.spec.Destination.Namespace
		if isTemplated(ns) {
			ns = ""
		}
		remedy, nsFix := "Remove it, and create the namespace as an HNC subnamespace of a parent namespace before the first sync.", createNamespace(ns)
		if ns != "" {
			remedy = sprintf("Remove it, and create %s as an HNC subnamespace of a parent namespace before the first sync.", ns)
		}
		for _, opt := range s.spec.SyncPolicy.SyncOptions {
			k, v, _ := strings.Cut(strings.ReplaceAll(opt, " ", ""), "=")
			if k == "CreateNamespace" && strings.EqualFold(v, "true") {
				v := violation(s.path+".syncPolicy.syncOptions", "syncOptions has %s: Argo CD may not create Namespaces on this platform", opt)
				v.Remediation, v.Fix = remedy, nsFix
				out = append(out, v)
			}
		}
		if s.spec.SyncPolicy.ManagedNamespaceMetadata != nil {
			v := violation(s.path+".syncPolicy.managedNamespaceMetadata", "managedNamespaceMetadata makes Argo CD manage the destination Namespace, which it may not do on this platform")
			v.Remediation, v.Fix = remedy, nsFix
			out = append(out, v)
		}
		return out
	},
}

var noTemplatedNamespace = policy.Rule{
	ID:       "no-templated-namespace",
	Severity: policy.SeverityError,
	Title:    "An ApplicationSet templates the destination namespace",
	Rationale: "Each generated namespace would have to exist and be in Argo CD's managed list " +
		"before the Application is compared; Argo CD cannot create it, and HNC subnamespaces " +
		"cannot be created and deployed into by the same Application. The platform's " +
		"documentation says the namespace cannot be templated in ApplicationSets.",
	Remediation: "Write the destination namespace literally in the template (one ApplicationSet per namespace), after creating it as an HNC subnamespace of a parent namespace.",
	Fix:         createNamespace(""),
	Kinds:       []schema.GroupKind{kindApplicationSet},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		var out []policy.Violation
		ns := o.String("spec", "template", "spec", "destination", "namespace")
		if isTemplated(ns) {
			out = append(out, violation("spec.template.spec.destination.namespace", "the template's destination namespace %q is a template expression", ns))
		}
		if patch := o.String("spec", "templatePatch"); patch != "" {
			for _, line := range strings.Split(patch, "\n") {
				k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
				if ok && k == "namespace" && isTemplated(v) {
					out = append(out, violation("spec.templatePatch", "templatePatch sets a namespace from a template expression (%s)", strings.TrimSpace(line)))
					break
				}
			}
		}
		return out
	},
}

var noClusterScopedResource = policy.Rule{
	ID:       "no-cluster-scoped-resource",
	Severity: policy.SeverityError,
	Title:    "A cluster-scoped object is among the deployed manifests",
	Rationale: "Argo CD's namespaced install cannot manage cluster-scoped kinds such as " +
		"ClusterRole, ClusterRoleBinding, CustomResourceDefinition, PersistentVolume, " +
		"StorageClass, webhook configurations, PriorityClass, IngressClass, RuntimeClass or " +
		"APIService: the sync fails with `Cluster level <Kind> ... can not be managed when in " +
		"namespaced mode`. Such objects are the Platform Administrator's.",
	Remediation: "Use the namespaced equivalent (Role, RoleBinding, a PersistentVolumeClaim) or ask the Platform Administrator to install the cluster-wide object.",
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		gk := o.GroupKind()
		if gk.Kind == "Namespace" && gk.Group == "" || !c.IsClusterScoped(gk) {
			return nil
		}
		return []policy.Violation{violation("", "%s %q is cluster-scoped; the platform's namespaced Argo CD cannot manage it", o.Kind, o.Name)}
	},
}

var noHNCSubnamespace = policy.Rule{
	ID:       "no-hnc-subnamespace",
	Severity: policy.SeverityError,
	Title:    "An HNC SubnamespaceAnchor or HierarchyConfiguration is among the deployed manifests",
	Rationale: "Argo CD cannot create HNC subnamespaces and deploy into them: the new namespace " +
		"is not in Argo CD's managed list when the Application is compared, so the deployment " +
		"into it fails. Subnamespaces are created by the developer, outside Argo CD.",
	Remediation: "Remove the object from the manifests and create the subnamespace yourself, outside Argo CD, before deploying into it.",
	Fix:         createNamespace(""),
	Kinds: []schema.GroupKind{
		{Group: "hnc.x-k8s.io", Kind: "SubnamespaceAnchor"}, {Group: "hnc.x-k8s.io", Kind: "HierarchyConfiguration"},
	},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		return []policy.Violation{violation("", "%s %q would make Argo CD manage the namespace hierarchy; create subnamespaces yourself, outside Argo CD", o.Kind, o.Name)}
	},
}

var destinationNotInCluster = policy.Rule{
	ID:       "destination-not-in-cluster",
	Severity: policy.SeverityError,
	Title:    "An Application deploys to a cluster other than the one Argo CD runs in",
	Rationale: "The managed Argo CD has only the in-cluster destination, with access to the " +
		"managed namespaces of its own cluster; other clusters are not registered and cannot " +
		"be added by a developer.",
	Remediation: "Set destination.server to the in-cluster URL (or destination.name to in-cluster) from the profile.",
	Kinds:       argoApps,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		s := specOf(o)
		if s == nil {
			return nil
		}
		d := s.spec.Destination
		if s.isSet && (isTemplated(d.Server) || isTemplated(d.Name)) {
			return nil
		}
		if d.Server != "" && d.Name != "" {
			// Argo CD refuses the Application: "application destination can't have both
			// name and server defined" (util/argo GetDestinationServer).
			v := violation(s.path+".destination", "the destination has both name %q and server %q; Argo CD refuses an Application whose destination names both (\"can't have both name and server defined\")", d.Name, d.Server)
			v.Remediation = sprintf("Keep one of them: server %s, or name %s.", c.Profile.ArgoCD.Server, c.Profile.ArgoCD.ServerName)
			return []policy.Violation{v}
		}
		if c.Profile.IsInClusterDestination(d) {
			return nil
		}
		switch {
		case d.Server == "" && d.Name == "":
			return []policy.Violation{violation(s.path+".destination", "the destination names no cluster; use server %s", c.Profile.ArgoCD.Server)}
		case d.Server != "":
			return []policy.Violation{violation(s.path+".destination.server", "destination server %q is not the in-cluster %s", d.Server, c.Profile.ArgoCD.Server)}
		}
		return []policy.Violation{violation(s.path+".destination.name", "destination name %q is not %q", d.Name, c.Profile.ArgoCD.ServerName)}
	},
}

var destinationNamespaceNotManaged = policy.Rule{
	ID:       "destination-namespace-not-managed",
	Severity: policy.SeverityError,
	Title:    "A destination or object namespace is not one Argo CD manages",
	Rationale: "Argo CD only holds Roles in the namespaces listed in its cluster Secret; a " +
		"deployment anywhere else fails with a permission error, and an empty destination " +
		"namespace leaves namespaced objects without a namespace.",
	Remediation: "Deploy into a namespace from the profile's managed list, or create the namespace as an HNC subnamespace of a parent namespace and ask the Platform Administrator to have Argo CD manage it.",
	Fix:         createNamespace(""),
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		unmanaged := func(ns string) bool {
			return !c.Profile.IsPlatformNamespace(ns) && !c.Profile.IsManagedNamespace(ns)
		}
		if s := specOf(o); s != nil && o.Group == argocdmanaged.Group {
			ns := s.spec.Destination.Namespace
			var out []policy.Violation
			switch {
			case s.isSet && isTemplated(ns):
				return nil
			case ns == "":
				out = append(out, violation(s.path+".destination", "the destination namespace is empty"))
			case unmanaged(ns):
				msg := sprintf("destination namespace %q is not among the managed namespaces %v", ns, c.Profile.Namespaces.Managed)
				out = append(out, violation(s.path+".destination.namespace", "%s%s", msg, receives(deployedInto(c, o, unmanaged)[ns])))
			}
			return append(out, elsewhere(c, o, ns, unmanaged, func(ns string, objs []*policy.Object) policy.Violation {
				return violation("", "Application %q deploys %s into namespace %q, which is not among the managed namespaces %v: %s", o.Name, objectCount(objs), ns, c.Profile.Namespaces.Managed, objectNames(objs))
			})...)
		}
		if coveredByApplication(c, o) {
			return nil // the Application's finding lists the object
		}
		ns, ok := deployedNamespace(c, o)
		if !ok || c.Profile.IsPlatformNamespace(ns) || c.Profile.IsManagedNamespace(ns) {
			return nil
		}
		return []policy.Violation{violation("metadata.namespace", "%s %q is in namespace %q, which is not among the managed namespaces %v", o.Kind, o.Name, ns, c.Profile.Namespaces.Managed)}
	},
}

var noArgoCDNamespace = policy.Rule{
	ID:       "no-argocd-namespace",
	Severity: policy.SeverityError,
	Title:    "An Application deploys into the Argo CD namespace",
	Rationale: "Argo CD may not manage its own namespace on this platform (ADR-0044): its " +
		"service account has more rights than the developer, so workloads and Secrets deployed " +
		"there could escalate privileges. Only the developer's own Argo CD objects and the " +
		"documented Secrets and ConfigMaps live there, applied by the developer.",
	Remediation: "Deploy into one of your managed namespaces; apply Argo CD objects and their Secrets with kubectl, not through an Application.",
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		argo := c.Profile.ArgoCD.Namespace
		isArgo := func(ns string) bool { return ns == argo }
		if s := specOf(o); s != nil && o.Group == argocdmanaged.Group {
			// Argo CD objects are left out of the lists: apps-of-apps judges them.
			into := deployedInto(c, o, isArgo)
			preview := c.Profile.Features.AppsOfApps.Enabled
			var out []policy.Violation
			if s.spec.Destination.Namespace == argo {
				if preview {
					// The preview works so: the parent deploys its children into the Argo CD
					// namespace. What it deploys is still checked (apps-of-apps, and the
					// error below for anything but Argo CD objects).
					v := violation(s.path+".destination.namespace", "the destination namespace is the Argo CD namespace %q, as the Apps of Apps preview needs for a parent Application: deploy only Applications, ApplicationSets and AppProjects through it (the preview has no uptime SLA on the Argo CD endpoint)", argo)
					v.Severity = policy.SeverityWarning
					v.Remediation = "Keep only Argo CD objects in this Application's source; deploy workloads through the child Applications into your managed namespaces."
					out = append(out, v)
				} else {
					out = append(out, violation(s.path+".destination.namespace", "the destination namespace is the Argo CD namespace %q%s", argo, receives(into[argo])))
					return out
				}
			}
			if objs := into[argo]; len(objs) > 0 {
				out = append(out, violation("", "Application %q deploys %s into the Argo CD namespace %q: %s", o.Name, objectCount(objs), argo, objectNames(objs)))
			}
			return out
		}
		if o.IsArgoCD() || coveredByApplication(c, o) {
			return nil // apps-of-apps covers Argo CD objects; the Application's finding lists the others
		}
		if ns, ok := deployedNamespace(c, o); ok && ns == argo {
			return []policy.Violation{violation("metadata.namespace", "%s %q would be deployed into the Argo CD namespace %q", o.Kind, o.Name, argo)}
		}
		return nil
	},
}

var applicationNamespace = policy.Rule{
	ID:       "application-namespace",
	Severity: policy.SeverityError,
	Title:    "An Application or ApplicationSet is outside the Argo CD namespace",
	Rationale: "The platform's Argo CD picks up Applications and ApplicationSets only in its own " +
		"namespace. One written for another namespace (argocd, the upstream default in every " +
		"example) is accepted by the API server if the namespace exists, and then never " +
		"synced: nothing says so. A namespace the profile lists in " +
		"argocd.applicationNamespaces is accepted too.",
	Remediation: "Set metadata.namespace to the Argo CD namespace of the profile.",
	Kinds:       argoApps,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		argo := c.Profile.ArgoCD.Namespace
		if o.Namespace == "" || o.Namespace == argo || slices.Contains(c.Profile.ArgoCD.ApplicationNamespaces, o.Namespace) {
			return nil
		}
		v := violation("metadata.namespace", "%s %q is in namespace %q; the platform's Argo CD only picks up %ss in %q, so it would never be synced", o.Kind, o.Name, o.Namespace, o.Kind, argo)
		v.Remediation = sprintf("Set metadata.namespace to %s.", argo)
		return []policy.Violation{v}
	},
}

var noPlatformNamespace = policy.Rule{
	ID:       "no-platform-namespace",
	Severity: policy.SeverityError,
	Title:    "A destination or object namespace belongs to the platform",
	Rationale: "Platform namespaces (kube-system, monitoring, velero, gatekeeper-system, ...) are " +
		"owned by the Platform Administrator; Argo CD has no rights there, and objects there " +
		"could compromise the platform's security, backups and stability.",
	Remediation: "Deploy into one of your managed namespaces instead.",
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		argo := c.Profile.ArgoCD.Namespace
		platform := func(ns string) bool { return ns != argo && c.Profile.IsPlatformNamespace(ns) }
		if s := specOf(o); s != nil && o.Group == argocdmanaged.Group {
			ns := s.spec.Destination.Namespace
			var out []policy.Violation
			if platform(ns) {
				out = append(out, violation(s.path+".destination.namespace", "the destination namespace %q belongs to the platform%s", ns, receives(deployedInto(c, o, platform)[ns])))
			}
			return append(out, elsewhere(c, o, ns, platform, func(ns string, objs []*policy.Object) policy.Violation {
				return violation("", "Application %q deploys %s into namespace %q, which belongs to the platform: %s", o.Name, objectCount(objs), ns, objectNames(objs))
			})...)
		}
		if coveredByApplication(c, o) {
			return nil // the Application's finding lists the object
		}
		if ns, ok := deployedNamespace(c, o); ok && platform(ns) {
			return []policy.Violation{violation("metadata.namespace", "%s %q is in namespace %q, which belongs to the platform", o.Kind, o.Name, ns)}
		}
		return nil
	},
}

// coveredByApplication says whether an object was rendered for an Application of the
// input: the namespace rules then report on the Application once, listing its objects,
// rather than once per object.
func coveredByApplication(c *policy.Context, o *policy.Object) bool {
	if o.Application == "" {
		return false
	}
	app := c.Application(o.Application)
	return app != nil && app.Is(argocdmanaged.Group, argocdmanaged.KindApplication)
}

// deployedInto groups the objects an Application deploys by the namespace they would be
// deployed into, for the namespaces bad accepts; Argo CD objects are left out (the
// apps-of-apps rule judges them). An ApplicationSet deploys nothing itself.
func deployedInto(c *policy.Context, app *policy.Object, bad func(ns string) bool) map[string][]*policy.Object {
	if !app.Is(argocdmanaged.Group, argocdmanaged.KindApplication) {
		return nil
	}
	var out map[string][]*policy.Object
	for _, o := range c.DeployedBy(app.Name) {
		if o.IsArgoCD() {
			continue
		}
		if ns, ok := deployedNamespace(c, o); ok && bad(ns) {
			if out == nil {
				out = map[string][]*policy.Object{}
			}
			out[ns] = append(out[ns], o)
		}
	}
	return out
}

// elsewhere makes one violation per namespace other than the destination dest that the
// Application deploys objects into and bad accepts, in namespace order.
func elsewhere(c *policy.Context, app *policy.Object, dest string, bad func(ns string) bool, v func(ns string, objs []*policy.Object) policy.Violation) []policy.Violation {
	into := deployedInto(c, app, bad)
	var out []policy.Violation
	for _, ns := range slices.Sorted(maps.Keys(into)) {
		if ns != dest {
			out = append(out, v(ns, into[ns]))
		}
	}
	return out
}

// receives completes a destination finding with the objects that would be deployed there.
func receives(objs []*policy.Object) string {
	if len(objs) == 0 {
		return ""
	}
	return "; it would receive " + objectCount(objs) + ": " + objectNames(objs)
}

// objectCount is "1 object" or "N objects".
func objectCount(objs []*policy.Object) string {
	if len(objs) == 1 {
		return "1 object"
	}
	return sprintf("%d objects", len(objs))
}

// objectNames names the first few objects and counts the rest: "Deployment web, Service
// web, ConfigMap web-config and 6 more".
func objectNames(objs []*policy.Object) string {
	const shown = 3
	names := make([]string, 0, shown)
	for _, o := range objs[:min(len(objs), shown)] {
		ref := o.Ref()
		ref.Namespace = "" // the finding names the namespace
		names = append(names, ref.String())
	}
	s := strings.Join(names, ", ")
	if len(objs) > shown {
		s += sprintf(" and %d more", len(objs)-shown)
	}
	return s
}

// deployedNamespace returns the namespace an object would be deployed into, and false for
// objects without one (cluster-scoped ones included, whatever namespace they carry) and
// for the objects a developer applies to the Argo CD namespace themselves (their Argo CD
// objects, repository and key Secrets, notifications settings).
func deployedNamespace(c *policy.Context, o *policy.Object) (string, bool) {
	if o.Namespace == "" || c.IsClusterScoped(o.GroupKind()) {
		// The API server ignores metadata.namespace on a cluster-scoped object.
		return "", false
	}
	if o.RenderedBy == "" && o.Namespace == c.Profile.ArgoCD.Namespace && isArgoCDSetting(c.Profile, o) {
		return "", false
	}
	return o.Namespace, true
}

func isArgoCDSetting(p *argocdmanaged.Profile, o *policy.Object) bool {
	if o.IsArgoCD() {
		return true
	}
	if o.Group != "" || (o.Kind != "Secret" && o.Kind != "ConfigMap") {
		return false
	}
	if _, ok := o.Labels()[argocdmanaged.SecretTypeLabel]; ok && o.Kind == "Secret" {
		return true
	}
	names := []string{p.Notifications.ConfigMap, p.Notifications.Secret,
		p.Features.HelmSecrets.KeySecretName, p.Features.Vals.SecretName}
	return slices.Contains(names, o.Name)
}
