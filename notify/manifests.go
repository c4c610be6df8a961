package notify

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/internal/yamlerr"
)

// MaxManifestBytes bounds one input file: the API server refuses objects much smaller.
const MaxManifestBytes = 16 << 20

// Manifests are the objects of the kinds notifications care about, read from files.
type Manifests struct {
	ConfigMaps   []Located[*corev1.ConfigMap]
	Secrets      []Located[*corev1.Secret]
	Applications []Located[*argocdmanaged.Application]
	AppProjects  []Located[*argocdmanaged.AppProject]
	// Skipped counts documents of other kinds.
	Skipped int
}

// Located is an object with the file and document it was read from.
type Located[T any] struct {
	Object T
	File   string
	// Doc is the 1-based index of the YAML document in the file.
	Doc int
}

// ErrNotText is returned for an input that holds binary data: a NUL byte or bytes that
// are not UTF-8.
var ErrNotText = errors.New("not a YAML text file: it holds binary data")

// CheckText says whether data can be a YAML manifest at all, before a YAML parser gives a
// confusing message about its first odd byte.
func CheckText(file string, data []byte) error {
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return fmt.Errorf("%s: %w", file, ErrNotText)
	}
	return nil
}

// ReadManifests reads every YAML or JSON document of r. An input over MaxManifestBytes is
// an *inputfile.TooLargeError (before any parsing, so that the size and not a cut document
// is blamed); binary data wraps ErrNotText; a document that is not valid YAML, or an
// object of a known kind that does not decode, is an error naming the file and document.
func ReadManifests(file string, r io.Reader, into *Manifests) error {
	data, err := inputfile.ReadAll(file, r, MaxManifestBytes)
	if err != nil {
		return err
	}
	if err := CheckText(file, data); err != nil {
		return err
	}
	reader := yaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", file, doc, err)
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		if err := into.add(file, doc, raw); err != nil {
			return fmt.Errorf("%s: document %d: %w", file, doc, err)
		}
	}
}

func (m *Manifests) add(file string, doc int, raw []byte) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := sigsyaml.Unmarshal(raw, &head); err != nil {
		// The parser's message can quote the input, here a Secret value.
		return fmt.Errorf("not a Kubernetes object: %s", yamlerr.Redact(err.Error()))
	}
	if head.Kind == "" && isEmptyDoc(raw) {
		return nil
	}
	switch head.Kind {
	case "ConfigMap":
		cm := &corev1.ConfigMap{}
		if err := sigsyaml.UnmarshalStrict(raw, cm); err != nil {
			return fmt.Errorf("decoding ConfigMap: %w", err)
		}
		m.ConfigMaps = append(m.ConfigMaps, Located[*corev1.ConfigMap]{cm, file, doc})
	case "Secret":
		s := &corev1.Secret{}
		if err := sigsyaml.Unmarshal(raw, s); err != nil {
			return fmt.Errorf("decoding Secret (data values must be base64): %w", err)
		}
		m.Secrets = append(m.Secrets, Located[*corev1.Secret]{s, file, doc})
	case argocdmanaged.KindApplication:
		a := &argocdmanaged.Application{}
		if err := argocdmanaged.Decode(raw, a); err != nil {
			return err
		}
		m.Applications = append(m.Applications, Located[*argocdmanaged.Application]{a, file, doc})
	case argocdmanaged.KindAppProject:
		p := &argocdmanaged.AppProject{}
		if err := argocdmanaged.Decode(raw, p); err != nil {
			return err
		}
		m.AppProjects = append(m.AppProjects, Located[*argocdmanaged.AppProject]{p, file, doc})
	case "List":
		return errors.New("a List is not supported: write one object per YAML document")
	default:
		m.Skipped++
	}
	return nil
}

func isEmptyDoc(raw []byte) bool {
	var v any
	return sigsyaml.Unmarshal(raw, &v) == nil && v == nil
}

func yamlUnmarshal(raw []byte, into any) error { return sigsyaml.Unmarshal(raw, into) }
