package golive

import (
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/policy"
)

// workload is what the checklist needs to know of one object with a pod template.
type workload struct {
	ref         policy.ObjectRef
	file        string
	line        int
	application string
	kind        string
	replicas    int64 // -1 when the kind has no replicas
	strategy    string
	// containers lists, per container, what it lacks of requests and limits.
	missing       []string
	spread        bool
	zoneSpread    bool
	antiAffinity  bool
	labels        map[string]string
	persistent    bool
	trackedByArgo bool
}

// pdb is a PodDisruptionBudget's namespace and selector.
type pdb struct {
	namespace string
	selector  map[string]string
}

// facts collects workloads and PodDisruptionBudgets; rules fill it concurrently.
type facts struct {
	mu        sync.Mutex
	workloads []workload
	pdbs      []pdb
	pvcs      int
	// liveObjects counts the objects read from the cluster.
	liveObjects int
}

var workloadKinds = []schema.GroupKind{
	{Group: "apps", Kind: "Deployment"}, {Group: "apps", Kind: "StatefulSet"}, {Group: "apps", Kind: "DaemonSet"},
}

// collectRules are policy rules that report nothing: they record the facts of each object,
// so that the checklist can be computed over all of them afterwards.
func (f *facts) collectRules() []policy.Rule {
	return []policy.Rule{
		{ID: "golive-collect-workloads", Severity: policy.SeverityInfo, Title: "go-live facts of workloads", Kinds: workloadKinds,
			Rationale: "collects what the go-live checklist needs of each workload", Remediation: "none: it reports nothing",
			Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
				w := workloadOf(o)
				w.file, w.line, w.application = c.Display(o.File), o.Line, o.Application
				f.mu.Lock()
				f.workloads = append(f.workloads, w)
				f.mu.Unlock()
				return nil
			}},
		{ID: "golive-collect-pdbs", Severity: policy.SeverityInfo, Title: "go-live facts of PodDisruptionBudgets",
			Rationale: "collects the PodDisruptionBudgets and claims the go-live checklist needs", Remediation: "none: it reports nothing",
			Kinds: []schema.GroupKind{{Group: "policy", Kind: "PodDisruptionBudget"}, {Kind: "PersistentVolumeClaim"}},
			Check: func(c *policy.Context, o *policy.Object) []policy.Violation {
				f.mu.Lock()
				defer f.mu.Unlock()
				if o.Kind == "PersistentVolumeClaim" {
					f.pvcs++
					return nil
				}
				f.pdbs = append(f.pdbs, pdb{namespace: o.Namespace, selector: stringMap(o.Get("spec", "selector", "matchLabels"))})
				return nil
			}},
	}
}

func workloadOf(o *policy.Object) workload {
	w := workload{
		ref:      policy.ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name},
		kind:     o.Kind,
		replicas: -1,
		labels:   policy.PodLabels(o),
	}
	if o.Kind == "Deployment" || o.Kind == "StatefulSet" {
		w.replicas = 1 // the API's default when unset
		if n, ok := number(o.Get("spec", "replicas")); ok {
			w.replicas = n
		}
	}
	if o.Kind == "Deployment" {
		w.strategy = "RollingUpdate"
		if s, ok := o.Get("spec", "strategy", "type").(string); ok && s != "" {
			w.strategy = s
		}
	}
	if vct, ok := o.Get("spec", "volumeClaimTemplates").([]any); ok && len(vct) > 0 {
		w.persistent = true
	}
	ann := stringMap(o.Get("metadata", "annotations"))
	lab := stringMap(o.Get("metadata", "labels"))
	w.trackedByArgo = ann["argocd.argoproj.io/tracking-id"] != "" || lab["app.kubernetes.io/instance"] != "" || o.Application != ""
	spec, _ := policy.PodSpec(o)
	if spec == nil {
		return w
	}
	for _, tsc := range list(spec["topologySpreadConstraints"]) {
		w.spread = true
		if m, ok := tsc.(map[string]any); ok && m["topologyKey"] == "topology.kubernetes.io/zone" {
			w.zoneSpread = true
		}
	}
	if aff, ok := spec["affinity"].(map[string]any); ok && aff["podAntiAffinity"] != nil {
		w.antiAffinity = true
	}
	for _, v := range list(spec["volumes"]) {
		if m, ok := v.(map[string]any); ok && m["persistentVolumeClaim"] != nil {
			w.persistent = true
		}
	}
	for _, c := range list(spec["containers"]) {
		m, _ := c.(map[string]any)
		name, _ := m["name"].(string)
		res, _ := m["resources"].(map[string]any)
		req := stringMap(res["requests"])
		lim := stringMap(res["limits"])
		var lacks []string
		for _, k := range []string{"cpu", "memory"} {
			if req[k] == "" {
				lacks = append(lacks, k+" request")
			}
		}
		if lim["memory"] == "" {
			lacks = append(lacks, "memory limit")
		}
		if len(lacks) > 0 {
			w.missing = append(w.missing, fmt.Sprintf("container %q lacks %v", name, lacks))
		}
	}
	return w
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

func number(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// covered says whether a PodDisruptionBudget of the workload's namespace selects its pods.
func (f *facts) covered(w workload) bool {
	for _, p := range f.pdbs {
		if p.namespace != w.ref.Namespace || len(p.selector) == 0 {
			continue
		}
		all := true
		for k, v := range p.selector {
			if w.labels[k] != v {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}
