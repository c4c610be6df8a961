package argocdmanaged

// Right is one permission on the API: a verb on a resource, in a namespace, optionally
// on one named object.
type Right struct {
	Verb      string `json:"verb"`
	Group     string `json:"group"`
	Resource  string `json:"resource"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	// Why says which part of the platform's documentation needs the right.
	Why string `json:"why"`
}

// String reads like the request to the Platform Administrator: "patch secrets
// "vals-secret" in namespace argocd-system".
func (r Right) String() string {
	res := r.Resource
	if r.Group != "" {
		res += "." + r.Group
	}
	if r.Name != "" {
		res += ` "` + r.Name + `"`
	}
	if r.Namespace != "" {
		res += " in namespace " + r.Namespace
	}
	return r.Verb + " " + res
}

// DeveloperRights are the rights the platform's documentation gives an application
// developer in the Argo CD namespace: manage Argo CD's objects, create the helm-secrets and
// vals Secrets, edit the notifications ConfigMap and Secret, and look at the pods to see
// whether the repo server started. Create cannot be limited to a name in RBAC; the other
// verbs on Secrets and ConfigMaps are limited to the named objects.
func (p *Profile) DeveloperRights() []Right {
	ns := p.ArgoCD.Namespace
	var out []Right
	for _, res := range []string{ApplicationsResource.Resource, ApplicationSetsResource.Resource, AppProjectsResource.Resource} {
		for _, verb := range []string{"get", "list", "watch", "create", "update", "patch", "delete"} {
			out = append(out, Right{Verb: verb, Group: Group, Resource: res, Namespace: ns, Why: "manage your Argo CD objects"})
		}
	}
	out = append(out, Right{Verb: "create", Resource: "secrets", Namespace: ns, Why: "create the helm-secrets and vals Secrets"})
	named := []struct{ name, why string }{
		{p.Features.HelmSecrets.KeySecretName, "manage the helm-secrets private key"},
		{p.Features.Vals.SecretName, "manage the Vault settings of vals"},
		{p.Notifications.Secret, "configure notification credentials"},
	}
	for _, n := range named {
		for _, verb := range []string{"get", "update", "patch", "delete"} {
			out = append(out, Right{Verb: verb, Resource: "secrets", Namespace: ns, Name: n.name, Why: n.why})
		}
	}
	for _, verb := range []string{"get", "update", "patch"} {
		out = append(out, Right{Verb: verb, Resource: "configmaps", Namespace: ns, Name: p.Notifications.ConfigMap, Why: "configure notifications"})
	}
	for _, verb := range []string{"get", "list", "watch"} {
		out = append(out, Right{Verb: verb, Resource: "pods", Namespace: ns, Why: "check that the repo server started"})
	}
	return out
}
