package sealed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func sealedJSON(ss *ssv1alpha1.SealedSecret) ([]byte, error) {
	c := ss.DeepCopy()
	c.TypeMeta = metav1.TypeMeta{APIVersion: ssv1alpha1.SchemeGroupVersion.String(), Kind: "SealedSecret"}
	return json.Marshal(c)
}

// VerifyResult is the controller's answer for one SealedSecret.
type VerifyResult struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Decryptable says whether the controller can unseal it as it is.
	Decryptable bool `json:"decryptable"`
}

// Verify asks the controller whether it can decrypt ss. A SealedSecret it cannot decrypt is
// a result (Decryptable false), not an error.
func Verify(ctx context.Context, ctrl Controller, ss *ssv1alpha1.SealedSecret) (VerifyResult, error) {
	r := VerifyResult{Namespace: ss.Namespace, Name: ss.Name}
	body, err := sealedJSON(ss)
	if err != nil {
		return r, err
	}
	switch err := ctrl.Verify(ctx, body); {
	case err == nil:
		r.Decryptable = true
	case errors.Is(err, ErrCannotDecrypt):
	default:
		return r, fmt.Errorf("verifying SealedSecret %s/%s: %w", ss.Namespace, ss.Name, err)
	}
	return r, nil
}

// Reseal asks the controller to re-encrypt ss with its newest key (after a key rotation)
// and returns a copy of ss whose encryptedData values are replaced; metadata, template and
// key order stay as they were. The plaintext never leaves the controller.
func Reseal(ctx context.Context, ctrl Controller, ss *ssv1alpha1.SealedSecret) (*ssv1alpha1.SealedSecret, error) {
	body, err := sealedJSON(ss)
	if err != nil {
		return nil, err
	}
	out, err := ctrl.Rotate(ctx, body)
	if errors.Is(err, ErrCannotDecrypt) {
		return nil, fmt.Errorf("resealing SealedSecret %s/%s: %w", ss.Namespace, ss.Name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("resealing SealedSecret %s/%s: the controller could not decrypt or re-encrypt it: %w", ss.Namespace, ss.Name, err)
	}
	var rotated ssv1alpha1.SealedSecret
	if err := json.Unmarshal(out, &rotated); err != nil {
		return nil, fmt.Errorf("resealing SealedSecret %s/%s: unexpected answer from the controller", ss.Namespace, ss.Name)
	}
	res := ss.DeepCopy()
	res.Spec.EncryptedData = maps.Clone(ss.Spec.EncryptedData)
	for k := range res.Spec.EncryptedData {
		v, ok := rotated.Spec.EncryptedData[k]
		if !ok {
			return nil, fmt.Errorf("resealing SealedSecret %s/%s: the controller returned no value for key %q", ss.Namespace, ss.Name, k)
		}
		res.Spec.EncryptedData[k] = v
	}
	return res, nil
}
