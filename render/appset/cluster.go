package appset

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Argo CD's names for the cluster it runs in.
const (
	inClusterName   = "in-cluster"
	inClusterServer = "https://kubernetes.default.svc"
)

// clusterSecretLabels are the labels of the platform's one cluster Secret, which the
// cluster generator's selector is matched against.
func clusterSecretLabels() map[string]string {
	return map[string]string{argocdmanaged.SecretTypeLabel: argocdmanaged.SecretTypeCluster}
}

// clusterParams is the cluster generator over the platform's one cluster: the cluster
// Secret of the profile, matched by the selector, and the local cluster when no Secret
// names it and there is no selector.
func (g *generation) clusterParams(body map[string]any, where string) ([]map[string]any, error) {
	var ls metav1.LabelSelector
	if raw, ok := body["selector"]; ok && raw != nil {
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &ls); err != nil {
			return nil, failAt(where+".selector", "decoding the selector: %v", err)
		}
	}
	ignoreLocal := len(ls.MatchExpressions) > 0 || len(ls.MatchLabels) > 0
	sel, err := metav1.LabelSelectorAsSelector(metav1.AddLabelToSelector(&ls, argocdmanaged.SecretTypeLabel, argocdmanaged.SecretTypeCluster))
	if err != nil {
		return nil, failAt(where+".selector", "error converting label selector: %v", err)
	}
	flat, _ := body["flatList"].(bool)
	name := g.opts.Profile.ArgoCD.ServerName
	if name == "" {
		name = inClusterName
	}
	server := g.opts.Profile.ArgoCD.Server
	if server == "" {
		server = inClusterServer
	}
	var out []map[string]any
	secretLabels := clusterSecretLabels()
	hasInCluster := false
	if sel.Matches(labels.Set(secretLabels)) {
		hasInCluster = server == inClusterServer
		params := map[string]any{"name": name, "nameNormalized": sanitizeName(name), "server": server, "project": ""}
		if g.goTemplate {
			params["metadata"] = map[string]any{"labels": secretLabels}
		} else {
			for k, v := range secretLabels {
				params["metadata.labels."+k] = v
			}
		}
		if err := g.appendValues(body, params, where); err != nil {
			return nil, err
		}
		out = append(out, params)
	}
	if !ignoreLocal && !hasInCluster {
		params := map[string]any{"name": inClusterName, "nameNormalized": inClusterName, "server": inClusterServer, "project": ""}
		if err := g.appendValues(body, params, where); err != nil {
			return nil, err
		}
		out = append(out, params)
	}
	if flat {
		list := make([]any, len(out))
		for i, p := range out {
			list[i] = p
		}
		return []map[string]any{{"clusters": list}}, nil
	}
	return out, nil
}
