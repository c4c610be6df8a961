package rules

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
)

// Builtin returns every built-in rule: first the rules behind the checker's own findings
// (policy.InputRules), then the platform rules, then the workload safeguards.
func Builtin() []policy.Rule {
	out := policy.InputRules()
	out = append(out, Platform()...)
	return append(out, Workload()...)
}

// Platform returns the rules about Argo CD objects and the namespaces, scopes and features
// of the managed platform.
func Platform() []policy.Rule {
	return []policy.Rule{
		noNamespaceResource, noCreateNamespace, noTemplatedNamespace, noClusterScopedResource,
		noHNCSubnamespace, destinationNotInCluster, destinationNamespaceNotManaged,
		noArgoCDNamespace, applicationNamespace, noPlatformNamespace, appsOfApps, featureNotEnabled, helmSecretsScheme, helmSecretsValuesRef, plaintextSecret,
		unencryptedSecretsFile, invalidValsRef, sealedSecretScope, projectDenies, defaultProject,
		invalidSubscription,
	}
}

// Workload returns the workload safeguards: the rules that report the platform's
// admission chain (Gatekeeper mutations, constraints and Pod Security), run on the
// objects before Argo CD applies them; then one rule per Pod Security check.
func Workload() []policy.Rule {
	out := []policy.Rule{
		resourceRequests, disallowedImageTag, imageRegistry, minimumReplicas, networkPolicy,
		pdbAllowsDisruption, noLoadBalancer, noLocalhostSeccomp, podSecurityRestricted,
		gatekeeperConstraint, admissionMutation,
	}
	return append(out, PodSecurity()...)
}

var (
	kindApplication    = schema.GroupKind{Group: argocdmanaged.Group, Kind: argocdmanaged.KindApplication}
	kindApplicationSet = schema.GroupKind{Group: argocdmanaged.Group, Kind: argocdmanaged.KindApplicationSet}
	kindAppProject     = schema.GroupKind{Group: argocdmanaged.Group, Kind: argocdmanaged.KindAppProject}
	argoApps           = []schema.GroupKind{kindApplication, kindApplicationSet}
)

// appSpec is the Application spec of an Application or of an ApplicationSet's template,
// with the dotted path to it.
type appSpec struct {
	spec  *argocdmanaged.ApplicationSpec
	path  string
	isSet bool
	set   *argocdmanaged.ApplicationSet
}

// specOf decodes an Application or ApplicationSet; nil when the object is neither or does
// not decode (a spec the mirror cannot read is Argo CD's schema error, not ours).
func specOf(o *policy.Object) *appSpec {
	switch o.Kind {
	case argocdmanaged.KindApplication:
		a, err := o.ApplicationObject()
		if err != nil {
			return nil
		}
		return &appSpec{spec: &a.Spec, path: "spec"}
	case argocdmanaged.KindApplicationSet:
		s, err := o.ApplicationSetObject()
		if err != nil {
			return nil
		}
		return &appSpec{spec: &s.Spec.Template.Spec, path: "spec.template.spec", isSet: true, set: s}
	}
	return nil
}

func violation(field, format string, args ...any) policy.Violation {
	return policy.Violation{Message: sprintf(format, args...), Field: field}
}
