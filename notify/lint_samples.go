package notify

import (
	"encoding/json"
	"strings"

	yaml3 "gopkg.in/yaml.v3"
)

// sampleApplication is a typical Application state that triggers and templates must
// handle: conditions evaluated on it should be false or true, never an error.
type sampleApplication struct {
	name   string
	status string // JSON of .status; empty means none
}

var sampleApplications = []sampleApplication{
	{name: "a new Application without status"},
	{name: "an Application that has never synced", status: `{"sync":{"status":"OutOfSync"},"health":{"status":"Missing"}}`},
	{name: "an Application being synced", status: `{"sync":{"status":"OutOfSync"},"health":{"status":"Progressing"},"operationState":{"phase":"Running","startedAt":"2026-01-01T10:00:00Z","syncResult":{"revision":"abc123"}}}`},
	{name: "an Application whose sync failed", status: `{"sync":{"status":"OutOfSync","revision":"abc123"},"health":{"status":"Degraded","message":"back-off"},"operationState":{"phase":"Failed","message":"one or more objects failed to apply","startedAt":"2026-01-01T10:00:00Z","finishedAt":"2026-01-01T10:01:00Z","syncResult":{"revision":"abc123"}}}`},
	{name: "a synced, healthy Application", status: `{"sync":{"status":"Synced","revision":"abc123"},"health":{"status":"Healthy","lastTransitionTime":"2026-01-01T10:02:00Z"},"operationState":{"phase":"Succeeded","startedAt":"2026-01-01T10:00:00Z","finishedAt":"2026-01-01T10:01:00Z","syncResult":{"revision":"abc123"}}}`},
	{name: "an Application with sync status Unknown", status: `{"sync":{"status":"Unknown"},"health":{"status":"Unknown"},"conditions":[{"type":"ComparisonError","message":"Cluster level Namespace \"shop\" can not be managed when in namespaced mode"}]}`},
}

func (s sampleApplication) object() map[string]any {
	m := map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "sample", "namespace": "argocd-system"},
		"spec": map[string]any{"project": "default",
			"source":      map[string]any{"repoURL": "https://git.example.com/sample.git", "path": "deploy", "targetRevision": "HEAD"},
			"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "sample"}},
	}
	if s.status != "" {
		var st map[string]any
		_ = json.Unmarshal([]byte(s.status), &st)
		m["status"] = st
	}
	return m
}

// yamlReplace substitutes $key references in the string scalars of a service value, as
// notifications-engine's ParseConfig does, so the lint reads what the engine reads.
func yamlReplace(raw string, secret map[string][]byte) ([]byte, error) {
	var node yaml3.Node
	if err := yaml3.Unmarshal([]byte(raw), &node); err != nil {
		return nil, err
	}
	var walk func(n *yaml3.Node)
	walk = func(n *yaml3.Node) {
		if n.Kind == yaml3.ScalarNode && n.Tag == "!!str" {
			n.Value = secretRefRE.ReplaceAllStringFunc(n.Value, func(ref string) string {
				if v, ok := secret[strings.TrimPrefix(ref, "$")]; ok {
					return string(v)
				}
				return ref
			})
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&node)
	return yaml3.Marshal(&node)
}
