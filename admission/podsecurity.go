package admission

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
)

// PodSecurityCheck is one check of Pod Security Admission, as the kube-apiserver runs it.
type PodSecurityCheck struct {
	// ID is the check's ID in k8s.io/pod-security-admission ("runAsNonRoot").
	ID string
	// Level is "baseline" or "restricted": the lowest level that runs the check.
	Level string
}

// PodSecurityChecks lists the checks of Pod Security Admission's latest version, baseline
// first (including those the restricted level replaces), each sorted by ID, as the API
// server orders its messages.
func PodSecurityChecks() []PodSecurityCheck {
	var out []PodSecurityCheck
	for _, c := range append(checksFor(psaapi.LevelBaseline, psaapi.LatestVersion()), checksFor(psaapi.LevelRestricted, psaapi.LatestVersion())...) {
		if !slices.ContainsFunc(out, func(x PodSecurityCheck) bool { return x.ID == c.id }) {
			out = append(out, PodSecurityCheck{ID: c.id, Level: string(c.level)})
		}
	}
	return out
}

type psaCheck struct {
	id    string
	level psaapi.Level
	fn    psapolicy.CheckPodFn
}

// checksFor picks, for a level and version, the checks the API server's registry runs:
// for restricted, the baseline checks that no restricted check overrides, then the
// restricted checks; each with the newest revision not newer than the version.
func checksFor(level psaapi.Level, version psaapi.Version) []psaCheck {
	pick := func(c psapolicy.Check) (psapolicy.VersionedCheck, bool) {
		var best psapolicy.VersionedCheck
		ok := false
		for _, v := range c.Versions {
			if version.Latest() || !version.Older(v.MinimumVersion) {
				best, ok = v, true
			}
		}
		return best, ok
	}
	var baseline, restricted []psaCheck
	overrides := map[psapolicy.CheckID]bool{}
	for _, c := range psapolicy.DefaultChecks() {
		v, ok := pick(c)
		if !ok {
			continue
		}
		pc := psaCheck{id: string(c.ID), level: c.Level, fn: v.CheckPod}
		if c.Level == psaapi.LevelRestricted {
			restricted = append(restricted, pc)
			for _, o := range v.OverrideCheckIDs {
				overrides[o] = true
			}
		} else {
			baseline = append(baseline, pc)
		}
	}
	byID := func(a, b psaCheck) int { return strings.Compare(a.id, b.id) }
	slices.SortFunc(baseline, byID)
	slices.SortFunc(restricted, byID)
	switch level {
	case psaapi.LevelBaseline:
		return baseline
	case psaapi.LevelRestricted:
		var out []psaCheck
		for _, c := range baseline {
			if !overrides[psapolicy.CheckID(c.id)] {
				out = append(out, c)
			}
		}
		return append(out, restricted...)
	}
	return nil
}

// podSecurity evaluates Pods at the levels of their namespaces.
type podSecurity struct {
	mu    sync.Mutex
	cache map[psaapi.LevelVersion][]psaCheck
}

func newPodSecurity() *podSecurity {
	return &podSecurity{cache: map[psaapi.LevelVersion][]psaCheck{}}
}

// psaFinding is one failed check.
type psaFinding struct {
	check    string
	severity Severity
	message  string
	path     string
	level    psaapi.LevelVersion
}

// policyFor reads the namespace's pod-security.kubernetes.io labels over the default level.
func policyFor(nsLabels map[string]string, defaultLevel string) (psaapi.Policy, error) {
	lvl := psaapi.LevelPrivileged
	if defaultLevel != "" {
		l, err := psaapi.ParseLevel(defaultLevel)
		if err != nil {
			return psaapi.Policy{}, err
		}
		lvl = l
	}
	def := psaapi.LevelVersion{Level: lvl, Version: psaapi.LatestVersion()}
	p, errs := psaapi.PolicyToEvaluate(nsLabels, psaapi.Policy{Enforce: def, Audit: def, Warn: def})
	return p, errs.ToAggregate()
}

// evaluate runs the enforce level's checks (errors) and the warn level's (warnings, for
// checks the enforce level does not run) on one Pod.
func (ps *podSecurity) evaluate(pod map[string]any, p psaapi.Policy) ([]psaFinding, error) {
	var typed corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(pod, &typed); err != nil {
		return nil, fmt.Errorf("reading the Pod for Pod Security: %w", err)
	}
	var out []psaFinding
	failed := map[string]bool{}
	for _, lv := range []struct {
		lv  psaapi.LevelVersion
		sev Severity
	}{{p.Enforce, SeverityError}, {p.Warn, SeverityWarning}} {
		ps.mu.Lock()
		checks, ok := ps.cache[lv.lv]
		if !ok {
			checks = checksFor(lv.lv.Level, lv.lv.Version)
			ps.cache[lv.lv] = checks
		}
		ps.mu.Unlock()
		for _, c := range checks {
			if failed[c.id] {
				continue
			}
			r := c.fn(&typed.ObjectMeta, &typed.Spec)
			if r.Allowed {
				continue
			}
			failed[c.id] = true
			msg := r.ForbiddenReason
			if r.ForbiddenDetail != "" {
				msg += " (" + r.ForbiddenDetail + ")"
			}
			out = append(out, psaFinding{check: c.id, severity: lv.sev, level: lv.lv,
				message: fmt.Sprintf("violates PodSecurity %q: %s", lv.lv.String(), msg),
				path:    psaPath(c.id, &typed, r.ForbiddenDetail)})
		}
	}
	return out, nil
}

// psaPath is the field a failed check points at: the first named container's field, or
// the pod-level field.
func psaPath(id string, pod *corev1.Pod, detail string) string {
	field := map[string]string{
		"privileged":                "securityContext.privileged",
		"allowPrivilegeEscalation":  "securityContext.allowPrivilegeEscalation",
		"capabilities_baseline":     "securityContext.capabilities",
		"capabilities_restricted":   "securityContext.capabilities",
		"runAsNonRoot":              "securityContext.runAsNonRoot",
		"runAsUser":                 "securityContext.runAsUser",
		"seccompProfile_baseline":   "securityContext.seccompProfile",
		"seccompProfile_restricted": "securityContext.seccompProfile",
		"seLinuxOptions":            "securityContext.seLinuxOptions",
		"procMount":                 "securityContext.procMount",
		"appArmorProfile":           "securityContext.appArmorProfile",
		"windowsHostProcess":        "securityContext.windowsOptions",
		"hostPorts":                 "ports",
	}[id]
	if field != "" {
		for _, list := range []struct {
			name string
			cs   []corev1.Container
		}{{"initContainers", pod.Spec.InitContainers}, {"containers", pod.Spec.Containers}} {
			for i, c := range list.cs {
				if strings.Contains(detail, strconv.Quote(c.Name)) {
					return "spec." + list.name + "." + strconv.Itoa(i) + "." + field
				}
			}
		}
		if strings.HasPrefix(field, "securityContext.") {
			return "spec." + field
		}
	}
	switch id {
	case "hostNamespaces":
		switch {
		case pod.Spec.HostNetwork:
			return "spec.hostNetwork"
		case pod.Spec.HostPID:
			return "spec.hostPID"
		case pod.Spec.HostIPC:
			return "spec.hostIPC"
		}
	case "hostPathVolumes", "restrictedVolumes":
		return "spec.volumes"
	case "sysctls":
		return "spec.securityContext.sysctls"
	}
	return "spec"
}
