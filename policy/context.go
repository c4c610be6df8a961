package policy

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/kinds"
)

// Context is what rules may read besides the object: the profile and indexes built once
// per check over all objects (never a scan of all objects per object).
type Context struct {
	// Profile decides namespaces and features.
	Profile *argocdmanaged.Profile
	// Live says whether the objects were read from the cluster.
	Live bool

	clusterScoped map[schema.GroupKind]bool
	discovered    bool
	netpols       map[string][]*Object
	netpolSel     map[string][]labels.Selector
	projects      map[string]*Object
	apps          map[string]*Object
	deployed      map[string][]*Object // rendered objects, by the name of their Application
	workloads     map[string][]*Object
	repo          *repository
	display       func(abs string) string
	admission     *admissionResult            // the admission chain's verdicts, by object
	podTemplates  map[schema.GroupKind]string // the profile's custom kinds: pod template path
}

func newContext(p *argocdmanaged.Profile) *Context {
	c := &Context{Profile: p, clusterScoped: map[schema.GroupKind]bool{}, podTemplates: map[schema.GroupKind]string{}}
	for _, pt := range p.Policy.PodTemplates {
		c.podTemplates[schema.GroupKind{Group: pt.Group, Kind: pt.Kind}] = strings.Trim(pt.Path, ".")
	}
	return c
}

// PodTemplate returns the pod template (the object with metadata and spec) of a kind the
// profile lists in policy.podTemplates, and its dotted path; nil for other kinds.
func (c *Context) PodTemplate(o *Object) (map[string]any, string) {
	path, ok := c.podTemplates[o.GroupKind()]
	if !ok || path == "" {
		return nil, ""
	}
	t, _ := o.Get(strings.Split(path, ".")...).(map[string]any)
	return t, path
}

// HasPodTemplate says whether an object creates Pods: a Pod, a built-in workload (PodSpec)
// or a kind of the profile's policy.podTemplates.
func (c *Context) HasPodTemplate(o *Object) bool {
	if spec, _ := PodSpec(o); spec != nil {
		return true
	}
	_, custom := c.podTemplates[o.GroupKind()]
	return custom
}

// NewContext builds a Context over objs, for embedders and tests that run one rule's Check
// function directly.
func NewContext(p *argocdmanaged.Profile, objs []*Object) *Context {
	c := newContext(p)
	c.index(objs)
	return c
}

// index builds the indexes over objs; CRDs in the input add their kinds' scope.
func (c *Context) index(objs []*Object) {
	c.netpols = map[string][]*Object{}
	c.netpolSel = map[string][]labels.Selector{}
	c.projects = map[string]*Object{}
	c.apps = map[string]*Object{}
	c.deployed = map[string][]*Object{}
	c.workloads = map[string][]*Object{}
	for _, o := range objs {
		if o.Application != "" {
			c.deployed[o.Application] = append(c.deployed[o.Application], o)
		}
		switch {
		case o.Is("networking.k8s.io", "NetworkPolicy"):
			c.netpols[o.Namespace] = append(c.netpols[o.Namespace], o)
			if sel, ok := LabelSelector(o.Get("spec", "podSelector")); ok {
				c.netpolSel[o.Namespace] = append(c.netpolSel[o.Namespace], sel)
			}
		case o.Is(argocdmanaged.Group, argocdmanaged.KindAppProject) && o.Application == "":
			c.projects[o.Name] = o
		case o.Is(argocdmanaged.Group, argocdmanaged.KindApplication) && o.Application == "":
			c.apps[o.Name] = o
		case o.Is("apiextensions.k8s.io", "CustomResourceDefinition"):
			group := o.String("spec", "group")
			kind := o.String("spec", "names", "kind")
			if kind != "" && !c.discovered {
				c.clusterScoped[schema.GroupKind{Group: group, Kind: kind}] = o.String("spec", "scope") == "Cluster"
			}
		}
		if c.HasPodTemplate(o) {
			c.workloads[o.Namespace] = append(c.workloads[o.Namespace], o)
		}
	}
}

// IsClusterScoped says whether objects of a kind are cluster-scoped: from discovery when
// checking live, else from the built-in table and the CRDs in the input.
func (c *Context) IsClusterScoped(gk schema.GroupKind) bool {
	if v, ok := c.clusterScoped[gk]; ok {
		return v
	}
	return kinds.ClusterScoped(gk)
}

// NetworkPolicies returns the NetworkPolicies of a namespace in the input.
func (c *Context) NetworkPolicies(namespace string) []*Object { return c.netpols[namespace] }

// NetworkPolicySelectors returns the pod selectors of the NetworkPolicies of a namespace
// in the input, compiled once per check.
func (c *Context) NetworkPolicySelectors(namespace string) []labels.Selector {
	return c.netpolSel[namespace]
}

// LabelSelector compiles a metav1.LabelSelector read from a manifest; an absent selector
// selects everything. false means the selector is malformed.
func LabelSelector(v any) (labels.Selector, bool) {
	m, _ := v.(map[string]any)
	var sel metav1.LabelSelector
	if m != nil {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &sel); err != nil {
			return nil, false
		}
	}
	s, err := metav1.LabelSelectorAsSelector(&sel)
	return s, err == nil
}

// Workloads returns the objects with a pod template (and Pods) of a namespace in the input.
func (c *Context) Workloads(namespace string) []*Object { return c.workloads[namespace] }

// AppProject returns the AppProject of that name in the input, or nil.
func (c *Context) AppProject(name string) *Object { return c.projects[name] }

// Application returns the Application of that name in the input (not rendered), or nil.
func (c *Context) Application(name string) *Object { return c.apps[name] }

// DeployedBy returns the objects rendered for the Application of that name, in the order
// they were rendered; rules that judge an Application by what it deploys read them here.
func (c *Context) DeployedBy(app string) []*Object { return c.deployed[app] }

// SourceDir returns the directory of an Application source in the checked repository, and
// false when the source is elsewhere (another repository, a Helm repository chart) or no
// repository is known.
func (c *Context) SourceDir(src *argocdmanaged.ApplicationSource) (string, bool) {
	if c.repo == nil || src == nil || src.Chart != "" || NormalizeRepoURL(src.RepoURL) != c.repo.url {
		return "", false
	}
	dir := filepath.Join(c.repo.root, filepath.FromSlash(src.Path))
	return dir, inside(c.repo.root, dir)
}

// ValueFile resolves a helm value file of a source in the checked repository, as Argo CD
// does: relative to the source path, or to the repository root when it starts with "/".
func (c *Context) ValueFile(src *argocdmanaged.ApplicationSource, file string) (string, bool) {
	dir, ok := c.SourceDir(src)
	if !ok {
		return "", false
	}
	abs := resolveValueFile(c.repo.root, dir, file)
	if !inside(c.repo.root, abs) {
		return "", false
	}
	// A link to a file outside the repository is not the repository's file: rendering
	// reports it as render-failed, and no rule may read it.
	if _, err := confinedPath(c.repo.root, abs); errors.Is(err, fs.ErrPermission) {
		return "", false
	}
	return abs, true // a missing file is rendering's to report
}

// RepoRel returns the path of an absolute file relative to the checked repository, and the
// repository as a file system, for code that works on repository files (the sops checks).
func (c *Context) RepoRel(abs string) (fs.FS, string, bool) {
	if c.repo == nil || !inside(c.repo.root, abs) {
		return nil, "", false
	}
	rel, err := filepath.Rel(c.repo.root, abs)
	if err != nil {
		return nil, "", false
	}
	return repoFS{root: c.repo.root}, filepath.ToSlash(rel), true
}

// Display is the name findings use for an absolute path.
func (c *Context) Display(abs string) string {
	if c.display == nil {
		return abs
	}
	return c.display(abs)
}

// PodSpec returns the pod spec of a Pod or of a workload's pod template, and the dotted
// path to it.
func PodSpec(o *Object) (map[string]any, string) {
	var path []string
	switch o.Kind {
	case "Pod":
		if o.Group == "" {
			path = []string{"spec"}
		}
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
		if o.Group == "apps" {
			path = []string{"spec", "template", "spec"}
		}
	case "ReplicationController":
		if o.Group == "" {
			path = []string{"spec", "template", "spec"}
		}
	case "Job":
		if o.Group == "batch" {
			path = []string{"spec", "template", "spec"}
		}
	case "CronJob":
		if o.Group == "batch" {
			path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
		}
	case "Rollout":
		// Argo Rollouts; a Rollout with workloadRef has no template of its own.
		if o.Group == "argoproj.io" && o.Get("spec", "workloadRef") == nil {
			path = []string{"spec", "template", "spec"}
		}
	}
	if path == nil {
		return nil, ""
	}
	spec, _ := o.Get(path...).(map[string]any)
	if spec == nil {
		spec = map[string]any{}
	}
	return spec, strings.Join(path, ".")
}

// PodLabels returns the labels of a Pod or of a workload's pod template.
func PodLabels(o *Object) map[string]string {
	switch o.Kind {
	case "Pod":
		return o.Labels()
	case "CronJob":
		return stringMap(o.Map("spec", "jobTemplate", "spec", "template", "metadata", "labels"))
	}
	return stringMap(o.Map("spec", "template", "metadata", "labels"))
}
