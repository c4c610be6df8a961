package sealed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/yamlerr"
)

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// documents splits YAML or JSON input into JSON documents, skipping empty ones.
func documents(data []byte) ([][]byte, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out [][]byte
	for i := 1; ; i++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			// Parser messages can quote the content (an unknown anchor's name, a value of
			// the wrong type): here a Secret value. Only the line and the problem stay.
			return nil, fmt.Errorf("document %d is not valid YAML or JSON: %s", i, yamlerr.Redact(err.Error()))
		}
		if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "null" {
			continue
		}
		out = append(out, raw)
	}
}

// DecodeSecrets reads one or more v1 Secrets from YAML (documents separated by ---) or
// JSON. Base64 data is decoded to its exact bytes.
func DecodeSecrets(data []byte) ([]*corev1.Secret, error) {
	return decodeDocuments[corev1.Secret](data, "v1", "Secret")
}

// describeJSONError keeps the field and the kind of problem of a decoding error and drops
// anything that could quote the input.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: expected %s", te.Field, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "a data value is not valid base64"
}

// DecodeSealedSecrets reads one or more bitnami.com/v1alpha1 SealedSecrets.
func DecodeSealedSecrets(data []byte) ([]*ssv1alpha1.SealedSecret, error) {
	return decodeDocuments[ssv1alpha1.SealedSecret](data, ssv1alpha1.SchemeGroupVersion.String(), "SealedSecret")
}

// decodeDocuments reads the documents of data as objects of one apiVersion and kind; a
// document of another kind, or none at all, is an error naming the document.
func decodeDocuments[T any](data []byte, apiVersion, kind string) ([]*T, error) {
	docs, err := documents(data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("no %s found in the input", kind)
	}
	out := make([]*T, 0, len(docs))
	for i, d := range docs {
		var tm typeMeta
		if err := json.Unmarshal(d, &tm); err != nil {
			return nil, fmt.Errorf("document %d is not an object", i+1)
		}
		if tm.Kind != kind || tm.APIVersion != apiVersion {
			return nil, fmt.Errorf("document %d is %s %s, not a %s %s", i+1, tm.APIVersion, tm.Kind, apiVersion, kind)
		}
		var o T
		if err := json.Unmarshal(d, &o); err != nil {
			return nil, fmt.Errorf("document %d is not a valid %s: %v", i+1, kind, describeJSONError(err))
		}
		out = append(out, &o)
	}
	return out, nil
}

// EncodeSealedSecrets writes SealedSecrets as YAML documents separated by ---, or as JSON
// (one object, or a v1 List for several).
func EncodeSealedSecrets(list []*ssv1alpha1.SealedSecret, format string) ([]byte, error) {
	switch format {
	case "yaml", "":
		var buf bytes.Buffer
		for i, s := range list {
			if i > 0 {
				buf.WriteString("---\n")
			}
			b, err := yaml.Marshal(s)
			if err != nil {
				return nil, err
			}
			buf.Write(b)
		}
		return buf.Bytes(), nil
	case "json":
		var v any = list[0]
		if len(list) != 1 {
			v = map[string]any{"apiVersion": "v1", "kind": "List", "items": list}
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	}
	return nil, fmt.Errorf("unsupported format %q: use yaml or json", format)
}
