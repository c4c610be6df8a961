package admission_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// TestWorkloadIndexJudgesAsTheFullScan checks the index of workloads that the chain adds
// for the built-in PodDisruptionBudget template: on workloads of every shape (replicas
// missing, null, a number or a string; labels missing, null or not an object; a job
// template; a metadata that is null) the template with the index gives the same verdicts
// as the same Rego made to enumerate every workload, as it does in Gatekeeper.
func TestWorkloadIndexJudgesAsTheFullScan(t *testing.T) {
	p := argocdmanaged.DefaultProfile()
	pols := admission.Builtin(p)
	var scan admission.Policies
	for _, o := range pols.Objects {
		switch {
		case o["kind"] == admission.KindTemplate && o["metadata"].(map[string]any)["name"] == strings.ToLower(admission.KindPodDisruptionBudget):
			tm := o["spec"].(map[string]any)["targets"].([]any)[0].(map[string]any)
			scan.Objects = append(scan.Objects, admission.Object{"apiVersion": o["apiVersion"], "kind": admission.KindTemplate,
				"metadata": map[string]any{"name": "k8spoddisruptionbudgetscan"},
				"spec": map[string]any{
					"crd": map[string]any{"spec": map[string]any{"names": map[string]any{"kind": "K8sPodDisruptionBudgetScan"}}},
					"targets": []any{map[string]any{"target": admission.Target, "libs": tm["libs"],
						"rego": strings.ReplaceAll(strings.ReplaceAll(tm["rego"].(string), `"`+admission.WorkloadIndex+`"`, `"not-an-index"`),
							"package ck8sargo.poddisruptionbudget", "package ck8sargo.poddisruptionbudgetscan")}}}})
			scan.Objects = append(scan.Objects, o)
		case o["kind"] == admission.KindPodDisruptionBudget:
			s := admission.Object{"apiVersion": o["apiVersion"], "kind": "K8sPodDisruptionBudgetScan", "metadata": o["metadata"], "spec": o["spec"]}
			scan.Objects = append(scan.Objects, o, s)
		}
	}
	c, problems, err := admission.New(context.Background(), scan, admission.DefaultOptions(p))
	require.NoError(t, err)
	require.Empty(t, problems)

	pdb := func(min any) admission.Object {
		return admission.Object{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": map[string]any{"name": "pdb", "namespace": "shop"},
			"spec": map[string]any{"minAvailable": min, "selector": map[string]any{"matchLabels": map[string]any{"app": "web"}}}}
	}
	deploy := func(name string, spec map[string]any) admission.Object {
		return admission.Object{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": name, "namespace": "shop"}, "spec": spec}
	}
	web := map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}}, "spec": map[string]any{}}
	tests := []struct {
		name     string
		objs     []admission.Object
		verdicts int
	}{
		{"replicas missing, one and three", []admission.Object{pdb(int64(1)),
			deploy("a", map[string]any{"template": web}), deploy("b", map[string]any{"replicas": int64(1), "template": web}),
			deploy("c", map[string]any{"replicas": int64(3), "template": web})}, 2},
		{"replicas as decoded from JSON and null", objects(t, `{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb", "namespace": "shop"}, "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}}`,
			`{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s", "namespace": "shop"}, "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web"}}}}}`,
			`{"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "r", "namespace": "shop"}, "spec": {"replicas": null, "template": {"metadata": {"labels": {"app": "web"}}}}}`), 2},
		{"replicas a string", []admission.Object{pdb(int64(5)), deploy("a", map[string]any{"replicas": "2", "template": web})}, 0},
		{"a Pod and a ReplicationController", []admission.Object{pdb(int64(1)),
			{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "shop", "labels": map[string]any{"app": "web"}}, "spec": map[string]any{"replicas": int64(9)}},
			{"apiVersion": "v1", "kind": "ReplicationController", "metadata": map[string]any{"name": "rc", "namespace": "shop"}, "spec": map[string]any{"template": web}}}, 2},
		{"labels missing, null and a string, with an empty selector", []admission.Object{
			{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": map[string]any{"name": "pdb", "namespace": "shop"}, "spec": map[string]any{"minAvailable": int64(1)}},
			deploy("a", map[string]any{"template": map[string]any{"metadata": map[string]any{}}}),
			deploy("b", map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": nil}}}),
			deploy("c", map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": "app=web"}}}),
			deploy("d", map[string]any{"template": map[string]any{"metadata": nil}}),
			deploy("e", map[string]any{})}, -1},
		{"a job template's labels before the template's", []admission.Object{pdb(int64(1)),
			deploy("a", map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": web}}, "template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "api"}}}}),
			deploy("b", map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": nil}}}, "template": web})}, 2},
		{"a spec that is no object", []admission.Object{pdb(int64(1)), deploy("a", nil), {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "b", "namespace": "shop"}, "spec": "x"}}, 0},
		{"another namespace and another label", []admission.Object{pdb(int64(1)),
			{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "a", "namespace": "other"}, "spec": map[string]any{"template": web}},
			deploy("b", map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "api"}}}})}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.Review(context.Background(), tt.objs)
			require.NoError(t, err)
			require.Empty(t, res.Errors)
			var indexed, scanned []string
			for _, v := range res.Verdicts {
				if v.Object != 0 || v.Path != "spec.minAvailable" {
					continue
				}
				switch v.Rule {
				case "gatekeeper/" + admission.KindPodDisruptionBudget:
					indexed = append(indexed, v.Message)
				case "gatekeeper/K8sPodDisruptionBudgetScan":
					scanned = append(scanned, v.Message)
				}
			}
			slices.Sort(indexed)
			slices.Sort(scanned)
			assert.Equal(t, scanned, indexed)
			if tt.verdicts >= 0 {
				assert.Len(t, indexed, tt.verdicts, indexed)
			} else {
				assert.NotEmpty(t, indexed)
			}
		})
	}
}
