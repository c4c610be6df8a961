package render

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gobwas/glob"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
)

// argocdCMLimit bounds the argocd-cm file LoadArgoCDConfig reads.
const argocdCMLimit = 1 << 20

// ArgoCDConfigMapName is the ConfigMap of Argo CD's settings, in Argo CD's namespace.
const ArgoCDConfigMapName = "argocd-cm"

// The argocd-cm keys ArgoCDConfig reads (Argo CD v3.5 util/settings).
const (
	keyKustomizeBuildOptions = "kustomize.buildOptions"
	keyResourceExclusions    = "resource.exclusions"
	keyResourceInclusions    = "resource.inclusions"
	keyHelmValuesFileSchemes = "helm.valuesFileSchemes"
)

// ArgoCDConfigFromConfigMap reads the ArgoCDConfig out of an argocd-cm ConfigMap manifest.
// Anything that is not a ConfigMap is an error.
func ArgoCDConfigFromConfigMap(cm map[string]any) (ArgoCDConfig, error) {
	if cm["apiVersion"] != "v1" || cm["kind"] != "ConfigMap" {
		return ArgoCDConfig{}, fmt.Errorf("not a ConfigMap (apiVersion v1, kind ConfigMap) such as argocd-cm")
	}
	raw, _ := cm["data"].(map[string]any)
	data := make(map[string]string, len(raw))
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			return ArgoCDConfig{}, fmt.Errorf("data.%s is not a string", k)
		}
		data[k] = s
	}
	return ArgoCDConfigFromData(data)
}

// ArgoCDConfigFromData reads the ArgoCDConfig out of argocd-cm's data as Argo CD's
// settings manager does.
func ArgoCDConfigFromData(data map[string]string) (ArgoCDConfig, error) {
	var c ArgoCDConfig
	c.KustomizeBuildOptions = data[keyKustomizeBuildOptions]
	if _, err := parseKustomizeBuildOptions(c.KustomizeBuildOptions); err != nil {
		return c, fmt.Errorf("%s: %w", keyKustomizeBuildOptions, err)
	}
	for key, dst := range map[string]*[]ResourceFilter{keyResourceExclusions: &c.ResourceExclusions, keyResourceInclusions: &c.ResourceInclusions} {
		v, ok := data[key]
		if !ok {
			continue
		}
		*dst = []ResourceFilter{}
		if err := yaml.UnmarshalStrict([]byte(v), dst); err != nil {
			return c, fmt.Errorf("%s is not a list of {apiGroups, kinds, clusters}: %v", key, oneline.Lines(err.Error()))
		}
		for _, f := range *dst {
			for _, g := range slices.Concat(f.APIGroups, f.Clusters) {
				if _, err := glob.Compile(g); err != nil {
					return c, fmt.Errorf("%s: %q is not a glob: %v", key, g, err)
				}
			}
		}
	}
	if v, ok := data[keyHelmValuesFileSchemes]; ok {
		c.HelmValuesFileSchemes = []string{}
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				c.HelmValuesFileSchemes = append(c.HelmValuesFileSchemes, item)
			}
		}
	} else {
		c.HelmValuesFileSchemes = []string{"https", "http"}
	}
	return c, nil
}

// LoadArgoCDConfig reads an argocd-cm ConfigMap manifest (YAML or JSON, at most 1 MiB).
func LoadArgoCDConfig(path string) (ArgoCDConfig, error) {
	data, err := inputfile.Read(path, argocdCMLimit)
	if err != nil {
		return ArgoCDConfig{}, err
	}
	var cm map[string]any
	if err := yaml.Unmarshal(data, &cm); err != nil {
		return ArgoCDConfig{}, fmt.Errorf("%s is not YAML: %w", path, err)
	}
	c, err := ArgoCDConfigFromConfigMap(cm)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// LiveArgoCDConfig reads the argocd-cm ConfigMap of the Argo CD in namespace from the
// cluster. A refusal names the right to ask the Platform Administrator for.
func LiveArgoCDConfig(ctx context.Context, cl *argocdmanaged.Clients, namespace string) (ArgoCDConfig, error) {
	cm, err := cl.Kube.CoreV1().ConfigMaps(namespace).Get(ctx, ArgoCDConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ArgoCDConfig{}, fmt.Errorf("there is no ConfigMap %s in namespace %s: check the profile's argocd.namespace", ArgoCDConfigMapName, namespace)
	}
	if err != nil {
		err = cl.Explain(err, "get", schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, namespace, ArgoCDConfigMapName)
		return ArgoCDConfig{}, fmt.Errorf("reading %s: %w", ArgoCDConfigMapName, err)
	}
	c, err := ArgoCDConfigFromData(cm.Data)
	if err != nil {
		return c, fmt.Errorf("ConfigMap %s/%s: %w", namespace, ArgoCDConfigMapName, err)
	}
	return c, nil
}

// coreExcludedResources are the kinds Argo CD always excludes (util/settings).
var coreExcludedResources = []ResourceFilter{
	{APIGroups: []string{"events.k8s.io", "metrics.k8s.io"}},
	{APIGroups: []string{""}, Kinds: []string{"Event"}},
	{APIGroups: []string{"coordination.k8s.io"}, Kinds: []string{"Lease"}},
}

// Excluded says whether Argo CD's controller leaves objects of group and kind out of an
// Application deploying to cluster, as ResourcesFilter.IsExcludedResource does.
func (c ArgoCDConfig) Excluded(group, kind, cluster string) bool {
	for _, f := range slices.Concat(coreExcludedResources, c.ResourceExclusions) {
		if f.match(group, kind, cluster) {
			return true
		}
	}
	for _, f := range c.ResourceInclusions {
		if f.match(group, kind, cluster) {
			return false
		}
	}
	for _, f := range c.ResourceInclusions {
		if f.matchCluster(cluster) {
			return true
		}
	}
	return false
}

func (f ResourceFilter) match(group, kind, cluster string) bool {
	return globAny(f.APIGroups, group) && f.matchKind(kind) && f.matchCluster(cluster)
}

func (f ResourceFilter) matchKind(kind string) bool {
	for _, k := range f.Kinds {
		if k == "*" || k == kind {
			return true
		}
	}
	return len(f.Kinds) == 0
}

func (f ResourceFilter) matchCluster(cluster string) bool { return globAny(f.Clusters, cluster) }

// globAny is Argo CD's util/glob.Match over a list: any pattern matches, or the list is
// empty. A pattern that does not compile matches nothing, as in Argo CD.
func globAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if g, err := glob.Compile(p); err == nil && g.Match(s) {
			return true
		}
	}
	return len(patterns) == 0
}
