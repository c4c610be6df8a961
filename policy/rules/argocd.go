package rules

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gobwas/glob"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

var appsOfApps = policy.Rule{
	ID:       "apps-of-apps",
	Severity: policy.SeverityError,
	Title:    "An Application deploys Applications, ApplicationSets or AppProjects",
	Rationale: "Apps of Apps needs Argo CD to manage objects in its own namespace, which the " +
		"platform forbids by default (ADR-0044). It is a preview that the Platform " +
		"Administrator can enable on request, without an uptime SLA on the Argo CD endpoint; " +
		"with the preview enabled in the profile this is a warning.",
	Remediation: "Apply the child Argo CD objects with kubectl, or ask the Platform Administrator for the Apps of Apps preview and set features.appsOfApps.enabled in the profile.",
	Kinds:       []schema.GroupKind{kindApplication, kindApplicationSet, kindAppProject},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		if o.Application == "" {
			return nil
		}
		v := violation("", "Application %q deploys %s %q, which needs Apps of Apps", o.Application, o.Kind, o.Name)
		if c.Profile.Features.AppsOfApps.Enabled {
			v.Severity = policy.SeverityWarning
			v.Message += " (enabled as a preview: no uptime SLA on the Argo CD endpoint)"
		}
		return []policy.Violation{v}
	},
}

// helmRef is one helm value file or file parameter of an Application source.
type helmRef struct {
	value string
	field string
	src   *argocdmanaged.ApplicationSource
}

func helmRefs(s *appSpec) []helmRef {
	var out []helmRef
	sources := s.spec.AllSources()
	for i, src := range sources {
		if src.Helm == nil {
			continue
		}
		base := s.path + ".source.helm"
		if len(s.spec.Sources) > 0 {
			base = s.path + ".sources." + itoa(i) + ".helm"
		}
		for j, vf := range src.Helm.ValueFiles {
			out = append(out, helmRef{value: vf, field: base + ".valueFiles." + itoa(j), src: src})
		}
		for j, fp := range src.Helm.FileParameters {
			out = append(out, helmRef{value: fp.Path, field: base + ".fileParameters." + itoa(j), src: src})
		}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

// checkHelmRefs collects what check finds in each value file and file parameter of the
// Helm sources of an Application or of an ApplicationSet's template; other objects have
// none.
func checkHelmRefs(o *policy.Object, check func(s *appSpec, r helmRef) []policy.Violation) []policy.Violation {
	s := specOf(o)
	if s == nil {
		return nil
	}
	var out []policy.Violation
	for _, r := range helmRefs(s) {
		out = append(out, check(s, r)...)
	}
	return out
}

// isValsRef says whether a value file or file parameter is a vals reference.
func isValsRef(v string) bool {
	return strings.HasPrefix(v, "secrets+literal://") && strings.Contains(v, "vals!") || strings.Contains(v, "ref+")
}

// isHelmSecretsRef says whether a value file goes through helm-secrets (secrets://,
// secrets+gpg-import://, ...) other than a vals literal.
func isHelmSecretsRef(v string) bool {
	scheme, _, ok := strings.Cut(v, "://")
	return ok && (scheme == "secrets" || strings.HasPrefix(scheme, "secrets+")) && !isValsRef(v)
}

var helmSecretsScheme = policy.Rule{
	ID:       "helm-secrets-scheme",
	Severity: policy.SeverityWarning,
	Title:    "A value file uses a helm-secrets scheme other than secrets://",
	Rationale: "helm-secrets reads secrets+gpg-import://KEY?FILE, " +
		"secrets+gpg-import-kubernetes://[NS/]SECRET#KEY?FILE and their age forms by importing a key " +
		"from a file or a Kubernetes Secret first. On this platform the key is mounted for the " +
		"repo server, which decrypts plain secrets:// files with it; the import forms need a key " +
		"file in the repository (a private key in git) or rights to read Secrets that the repo " +
		"server does not have, so the rendering fails in Argo CD. The file itself is still " +
		"found and checked.",
	Remediation: "Write the value file as secrets://FILE; the platform's repo server has the key.",
	Kinds:       argoApps,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		return checkHelmRefs(o, func(_ *appSpec, r helmRef) []policy.Violation {
			scheme, _, ok := strings.Cut(r.value, "://")
			if !ok || !strings.HasPrefix(scheme, "secrets+") || scheme == "secrets+literal" {
				return nil
			}
			file, _ := helmSecretsFile(r.value)
			v := violation(r.field, "%s uses %s://; on this platform the repo server decrypts secrets:// files with the key it has mounted, and %s:// needs a key it cannot import here", r.value, scheme, scheme)
			if file != "" {
				v.Remediation = sprintf("Write it as secrets://%s.", file)
			}
			return []policy.Violation{v}
		})
	},
}

// helmSecretsFile is scan.SecretsFilePath: the file of a helm-secrets reference.
func helmSecretsFile(ref string) (string, bool) { return scan.SecretsFilePath(ref) }

var featureNotEnabled = policy.Rule{
	ID:       "feature-not-enabled",
	Severity: policy.SeverityError,
	Title:    "helm-secrets, vals or SealedSecrets is used but not enabled for this environment",
	Rationale: "The secret backends are optional services that the Platform Administrator " +
		"enables on request. Without helm-secrets, a secrets:// value file is not decrypted " +
		"and rendering fails; without vals, references are not resolved; without a " +
		"sealed-secrets controller, a SealedSecret never becomes a Secret.",
	Remediation: "Ask the Platform Administrator to enable the feature, then set it in the profile: features.*.enabled, or discover the profile from the cluster.",
	Fix:         fix.Fix{Op: fix.DiscoverProfile},
	Kinds:       []schema.GroupKind{kindApplication, kindApplicationSet, {Group: "bitnami.com", Kind: "SealedSecret"}},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		f := c.Profile.Features
		if o.Is("bitnami.com", "SealedSecret") {
			if !f.SealedSecrets.Enabled {
				return []policy.Violation{violation("", "SealedSecret %q needs the SealedSecrets feature, which the profile does not enable; ask the Platform Administrator to enable it", o.Name)}
			}
			return nil
		}
		helmSeen, valsSeen := false, false
		return checkHelmRefs(o, func(_ *appSpec, r helmRef) []policy.Violation {
			switch {
			case isValsRef(r.value) && !f.Vals.Enabled && !valsSeen:
				valsSeen = true
				return []policy.Violation{violation(r.field, "%s is a vals reference, but vals is not enabled in the profile; ask the Platform Administrator to enable vals with Vault", r.value)}
			case isHelmSecretsRef(r.value) && !f.HelmSecrets.Enabled && !helmSeen:
				helmSeen = true
				return []policy.Violation{violation(r.field, "%s needs helm-secrets, which the profile does not enable; ask the Platform Administrator to enable helm-secrets", r.value)}
			}
			return nil
		})
	},
}

// valsRef is the vals reference syntax: ref+BACKEND://PATH[#/FRAGMENT][+].
var valsRef = regexp.MustCompile(`^ref\+([a-z0-9]+)://([^#?+]+)(\?[^#]*)?(#/[^+]*)?\+?$`)

// enabledValsBackends are the vals backends the platform supports.
var enabledValsBackends = []string{"vault"}

var invalidValsRef = policy.Rule{
	ID:       "invalid-vals-ref",
	Severity: policy.SeverityError,
	Title:    "A vals reference does not parse or names a backend other than Vault",
	Rationale: "The repo server resolves `secrets+literal://vals!ref+vault://PATH#/KEY` " +
		"references with vals and the Vault settings of the vals Secret; a malformed " +
		"reference, or another backend, fails the rendering of the whole Application.",
	Remediation: "Write the reference as secrets+literal://vals!ref+vault://PATH#/KEY.",
	Kinds:       argoApps,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		return checkHelmRefs(o, func(_ *appSpec, r helmRef) []policy.Violation {
			if !isValsRef(r.value) {
				return nil
			}
			ref := r.value
			if i := strings.Index(ref, "vals!"); i >= 0 {
				ref = ref[i+len("vals!"):]
			} else if strings.HasPrefix(ref, "secrets+literal://") {
				return []policy.Violation{violation(r.field, "%q has no vals! prefix; write secrets+literal://vals!ref+vault://PATH#/KEY", r.value)}
			} else if i := strings.Index(ref, "ref+"); i > 0 {
				return []policy.Violation{violation(r.field, "%q is not a helm-secrets vals literal; write secrets+literal://vals!%s", r.value, ref[i:])}
			}
			m := valsRef.FindStringSubmatch(ref)
			switch {
			case m == nil:
				return []policy.Violation{violation(r.field, "%q is not a vals reference of the form ref+vault://PATH#/KEY", ref)}
			case !slices.Contains(enabledValsBackends, m[1]):
				return []policy.Violation{violation(r.field, "vals backend %q is not enabled on this platform; only %s is", m[1], strings.Join(enabledValsBackends, ", "))}
			}
			return nil
		})
	},
}

var defaultProject = policy.Rule{
	ID:       "default-project",
	Severity: policy.SeverityWarning,
	Title:    "An Application uses the project default",
	Rationale: "The default project permits every source, destination and kind; a project of " +
		"your own limits what a mistaken or compromised repository can deploy, and lets this " +
		"check verify its sources, destinations and kinds (project-denies).",
	Remediation: "Create an AppProject for the team that lists its repositories and namespaces, and set spec.project to it.",
	Kinds:       argoApps,
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		s := specOf(o)
		if s == nil || (s.spec.Project != "default" && s.spec.Project != "") {
			return nil
		}
		return []policy.Violation{violation(s.path+".project", "project is %q; use a project of your own", cmp.Or(s.spec.Project, "default"))}
	},
}

const subscribePrefix = "notifications.argoproj.io/subscribe."

var invalidSubscription = policy.Rule{
	ID:       "invalid-subscription",
	Severity: policy.SeverityWarning,
	Title:    "A notifications subscription annotation is malformed",
	Rationale: "Argo CD Notifications reads `notifications.argoproj.io/subscribe.<trigger>.<service>` " +
		"(or `subscribe.<service>` for the default triggers); a key with more dots, an empty " +
		"trigger or service, or no recipients subscribes nobody, silently.",
	Remediation: "Write the annotation as notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>[;<recipient>], with no dots in trigger and service names.",
	Kinds:       []schema.GroupKind{kindApplication, kindApplicationSet, kindAppProject},
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		var out []policy.Violation
		check := func(ann map[string]any, field string) {
			for _, k := range slices.Sorted(maps.Keys(ann)) {
				if !strings.HasPrefix(k, subscribePrefix) {
					continue
				}
				rest := strings.TrimPrefix(k, subscribePrefix)
				parts := strings.Split(rest, ".")
				switch {
				case len(parts) > 2:
					out = append(out, violation(field, "annotation %s has %d dots after subscribe.; trigger and service names cannot contain dots", k, len(parts)-1))
				case slices.Contains(parts, ""):
					out = append(out, violation(field, "annotation %s has an empty trigger or service name", k))
				case strings.TrimSpace(strings.ReplaceAll(asString(ann[k]), ";", "")) == "":
					out = append(out, violation(field, "annotation %s has no recipients", k))
				}
			}
		}
		check(o.Map("metadata", "annotations"), "metadata.annotations")
		if o.Kind == argocdmanaged.KindApplicationSet {
			check(o.Map("spec", "template", "metadata", "annotations"), "spec.template.metadata.annotations")
		}
		return out
	},
}

var projectDenies = policy.Rule{
	ID:       "project-denies",
	Severity: policy.SeverityError,
	Title:    "The Application's AppProject does not permit its source, destination or a deployed kind",
	Rationale: "Argo CD refuses to sync an Application whose source repository, destination or " +
		"resources its AppProject does not permit (globs, `!` deny patterns, whitelists and " +
		"blacklists; an empty cluster resource whitelist denies every cluster-scoped kind). " +
		"Checked when the AppProject is in the input.",
	Remediation: "Change the Application, or add the repository, destination or kind to the AppProject's sourceRepos, destinations or resource whitelists.",
	Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
		if o.Is(argocdmanaged.Group, argocdmanaged.KindApplication) && o.Application == "" {
			return checkAppAgainstProject(c, o)
		}
		if o.Application == "" {
			return nil
		}
		app := c.Application(o.Application)
		if app == nil {
			return nil
		}
		a, err := app.ApplicationObject()
		if err != nil {
			return nil
		}
		proj := projectOf(c, a)
		if proj == nil {
			return nil
		}
		namespaced := !c.IsClusterScoped(o.GroupKind())
		if !groupKindPermitted(proj, o.Group, o.Kind, namespaced) {
			scope := "cluster-scoped"
			if namespaced {
				scope = "namespaced"
			}
			return []policy.Violation{violation("", "AppProject %q does not permit the %s kind %s deployed by Application %q", proj.Name, scope, groupKindString(o.Group, o.Kind), a.Name)}
		}
		if namespaced && o.Namespace != "" {
			d := a.Spec.Destination
			d.Namespace = o.Namespace
			if !destinationPermitted(proj, d) {
				return []policy.Violation{violation("metadata.namespace", "AppProject %q does not permit namespace %q, where Application %q deploys %s %q", proj.Name, o.Namespace, a.Name, o.Kind, o.Name)}
			}
		}
		return nil
	},
}

func groupKindString(group, kind string) string {
	if group == "" {
		return kind
	}
	return kind + "." + group
}

func checkAppAgainstProject(c *policy.Context, o *policy.Object) []policy.Violation {
	a, err := o.ApplicationObject()
	if err != nil {
		return nil
	}
	proj := projectOf(c, a)
	if proj == nil {
		return nil
	}
	var out []policy.Violation
	for i, src := range a.Spec.AllSources() {
		if !sourcePermitted(proj, src.RepoURL) {
			field := "spec.source.repoURL"
			if len(a.Spec.Sources) > 0 {
				field = "spec.sources." + itoa(i) + ".repoURL"
			}
			out = append(out, violation(field, "AppProject %q does not permit source repository %q", proj.Name, src.RepoURL))
		}
	}
	if !destinationPermitted(proj, a.Spec.Destination) {
		d := a.Spec.Destination
		out = append(out, violation("spec.destination", "AppProject %q does not permit destination %s namespace %q", proj.Name, cmp.Or(d.Server, d.Name), d.Namespace))
	}
	return out
}

// projectOf is the AppProject of Application a ("default" when it names none) when the
// input has it; nil otherwise.
func projectOf(c *policy.Context, a *argocdmanaged.Application) *argocdmanaged.AppProject {
	o := c.AppProject(cmp.Or(a.Spec.Project, "default"))
	if o == nil {
		return nil
	}
	proj, err := o.AppProjectObject()
	if err != nil {
		return nil
	}
	return proj
}

// globMatch is Argo CD's project glob: "*" alone matches all, a "!" pattern matches what
// the rest does not match.
func globMatch(pattern, value string, allowNegation bool, separators ...rune) bool {
	if allowNegation && strings.HasPrefix(pattern, "!") {
		return !globMatchPlain(strings.TrimPrefix(pattern, "!"), value, separators...)
	}
	if pattern == "*" {
		return true
	}
	return globMatchPlain(pattern, value, separators...)
}

func globMatchPlain(pattern, value string, separators ...rune) bool {
	g, err := glob.Compile(pattern, separators...)
	if err != nil {
		return false
	}
	return g.Match(value)
}

func isDeny(p string) bool { return strings.HasPrefix(p, "!") }

// sourcePermitted follows Argo CD's AppProject.IsSourcePermitted.
func sourcePermitted(proj *argocdmanaged.AppProject, repoURL string) bool {
	src := policy.NormalizeRepoURL(repoURL)
	matchedAny := false
	for _, r := range proj.Spec.SourceRepos {
		pattern := policy.NormalizeRepoURL(strings.TrimPrefix(r, "!"))
		if r == "*" {
			pattern = "*"
		}
		if isDeny(r) {
			pattern = "!" + pattern
		}
		if globMatch(pattern, src, true, '/') {
			matchedAny = true
		} else if isDeny(pattern) {
			return false
		}
	}
	return matchedAny
}

// destinationPermitted follows Argo CD's AppProject.IsDestinationPermitted.
func destinationPermitted(proj *argocdmanaged.AppProject, dst argocdmanaged.ApplicationDestination) bool {
	matchedAny := false
	for _, item := range proj.Spec.Destinations {
		nameMatched := dst.Name != "" && globMatch(item.Name, dst.Name, true)
		serverMatched := dst.Server != "" && globMatch(item.Server, dst.Server, true)
		nsMatched := globMatch(item.Namespace, dst.Namespace, true)
		switch {
		case (serverMatched || nameMatched) && nsMatched:
			matchedAny = true
		case ((!nameMatched && isDeny(item.Name)) || (!serverMatched && isDeny(item.Server))) && nsMatched:
			return false
		case !nsMatched && isDeny(item.Namespace) && serverMatched:
			return false
		}
	}
	return matchedAny
}

// groupKindPermitted follows Argo CD's AppProject.IsGroupKindPermitted: namespaced kinds
// are allowed unless a whitelist leaves them out or a blacklist names them; cluster-scoped
// kinds only when the cluster whitelist names them.
func groupKindPermitted(proj *argocdmanaged.AppProject, group, kind string, namespaced bool) bool {
	inList := func(list []argocdmanaged.GroupKind) bool {
		for _, gk := range list {
			if globMatch(gk.Group, group, false) && globMatch(gk.Kind, kind, false) {
				return true
			}
		}
		return false
	}
	sp := proj.Spec
	if namespaced {
		white := sp.NamespaceResourceWhitelist == nil || (len(sp.NamespaceResourceWhitelist) != 0 && inList(sp.NamespaceResourceWhitelist))
		return white && !inList(sp.NamespaceResourceBlacklist)
	}
	return len(sp.ClusterResourceWhitelist) != 0 && inList(sp.ClusterResourceWhitelist) && !inList(sp.ClusterResourceBlacklist)
}
