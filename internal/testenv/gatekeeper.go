package testenv

import (
	"context"
	"fmt"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// InstallGatekeeperCRDs installs minimal CRDs for Gatekeeper's ConstraintTemplate and
// mutators (Assign, AssignMetadata, ModifySet, AssignImage), and one constraint CRD per
// given constraint kind, as Gatekeeper's controller would create from a template. They
// are written here, not taken from Gatekeeper: their schemas keep every field
// (x-kubernetes-preserve-unknown-fields), so they store what the real CRDs store without
// validating it.
func (e *Env) InstallGatekeeperCRDs(ctx context.Context, constraintKinds ...string) error {
	cs, err := apiextensions.NewForConfig(e.Admin)
	if err != nil {
		return err
	}
	type crd struct{ group, version, kind string }
	crds := []crd{
		{"templates.gatekeeper.sh", "v1", "ConstraintTemplate"},
		{"mutations.gatekeeper.sh", "v1", "Assign"},
		{"mutations.gatekeeper.sh", "v1", "AssignMetadata"},
		{"mutations.gatekeeper.sh", "v1", "ModifySet"},
		{"mutations.gatekeeper.sh", "v1", "AssignImage"},
	}
	for _, k := range constraintKinds {
		crds = append(crds, crd{"constraints.gatekeeper.sh", "v1beta1", k})
	}
	preserve := true
	for _, c := range crds {
		plural := strings.ToLower(c.kind)
		if c.group != "constraints.gatekeeper.sh" {
			plural += "s"
		}
		obj := &apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: plural + "." + c.group},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group: c.group,
				Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: plural, Singular: strings.ToLower(c.kind), Kind: c.kind, ListKind: c.kind + "List"},
				Scope: apiextensionsv1.ClusterScoped,
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
					Name: c.version, Served: true, Storage: true,
					Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object", XPreserveUnknownFields: &preserve,
					}},
				}},
			},
		}
		if _, err := cs.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, obj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("installing CRD %s: %w", obj.Name, err)
		}
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			got, err := cs.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, obj.Name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			for _, cond := range got.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("waiting for CRD %s: %w", obj.Name, err)
		}
	}
	return nil
}
