package render

import (
	"fmt"

	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
)

// argocdCMLimit bounds the argocd-cm file LoadArgoCDConfig reads.
const argocdCMLimit = 1 << 20

// ArgoCDConfigFromConfigMap reads the ArgoCDConfig out of an argocd-cm ConfigMap:
// data["kustomize.buildOptions"]. Anything that is not a ConfigMap is an error.
func ArgoCDConfigFromConfigMap(cm map[string]any) (ArgoCDConfig, error) {
	var c ArgoCDConfig
	if cm["apiVersion"] != "v1" || cm["kind"] != "ConfigMap" {
		return c, fmt.Errorf("not a ConfigMap (apiVersion v1, kind ConfigMap) such as argocd-cm")
	}
	data, _ := cm["data"].(map[string]any)
	if v, ok := data["kustomize.buildOptions"]; ok {
		s, isString := v.(string)
		if !isString {
			return c, fmt.Errorf("data.kustomize.buildOptions is not a string")
		}
		c.KustomizeBuildOptions = s
	}
	if _, err := parseKustomizeBuildOptions(c.KustomizeBuildOptions); err != nil {
		return c, fmt.Errorf("kustomize.buildOptions: %w", err)
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
