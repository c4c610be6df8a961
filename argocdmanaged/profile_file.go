package argocdmanaged

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
)

// ProfileError is a mistake in a profile file, with the line it is on where there is one.
type ProfileError struct {
	File string
	Line int    // 0 when the mistake is not on one line
	Path string // field path, such as "argocd.namespace"; empty for the whole file
	Msg  string
	// Err is the error Msg describes, for errors.Is: the read error (fs.ErrNotExist for a
	// file that is not there) or ErrEmptyProfile; nil for a mistake in the file's content.
	Err error
}

// ErrEmptyProfile is a profile file with nothing in it.
var ErrEmptyProfile = errors.New("the file is empty")

// Unwrap is Err.
func (e *ProfileError) Unwrap() error { return e.Err }

func (e *ProfileError) Error() string {
	var b strings.Builder
	b.WriteString("profile ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// FindProfile walks up from dir to the file system root and returns the path of the first
// ProfileFileName it finds, or "" when there is none.
func FindProfile(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding %s: %w", ProfileFileName, err)
	}
	for {
		p := filepath.Join(dir, ProfileFileName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("finding %s: %w", ProfileFileName, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// LoadProfileFile reads a profile file over base: keys present in the file replace base's
// values, absent keys keep them.
func LoadProfileFile(path string, base Profile) (Profile, error) {
	data, err := inputfile.Read(path, maxProfileSize)
	if err != nil {
		return base, &ProfileError{File: path, Msg: readProblem(err), Err: err}
	}
	return ParseProfile(data, path, base)
}

// maxProfileSize bounds the profile read: a real one is a few kilobytes.
const maxProfileSize = 1 << 20

func readProblem(err error) string {
	var nr *inputfile.NotRegularError
	var tl *inputfile.TooLargeError
	switch {
	case errors.As(err, &nr):
		return fmt.Sprintf("is %s, not a regular file; give the profile's YAML file", nr.What)
	case errors.As(err, &tl):
		return fmt.Sprintf("is %s, over the %s a profile may be; give the profile's YAML file", inputfile.HumanSize(tl.Size), inputfile.HumanSize(tl.Limit))
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied; make the file readable"
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err.Error()
		}
		return err.Error()
	}
}

// ParseProfile decodes a profile strictly: an unknown key or a value of the wrong type is a
// *ProfileError naming the key and its line. name is used in errors and as the source.
func ParseProfile(data []byte, name string, base Profile) (Profile, error) {
	fail := func(line int, path, format string, args ...any) (Profile, error) {
		return base, &ProfileError{File: name, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return fail(0, "", "not a YAML text file; a profile starts with `apiVersion: %s`", ProfileAPIVersion)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlProblem(err)
		return fail(line, "", "%s", msg)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
		return base, &ProfileError{File: name, Msg: ErrEmptyProfile.Error(), Err: ErrEmptyProfile}
	}
	root := doc.Content[0]
	p := base.Clone()
	seen := map[string]int{}
	if err := checkNode(root, reflect.TypeFor[Profile](), "", seen); err != nil {
		err.File = name
		return base, err
	}
	if err := root.Decode(&p); err != nil {
		line, msg := yamlProblem(err)
		return fail(line, "", "%s", msg)
	}
	if seen["apiVersion"] == 0 {
		return fail(root.Line, "apiVersion", "missing; add `apiVersion: %s`", ProfileAPIVersion)
	}
	if seen["kind"] == 0 {
		return fail(root.Line, "kind", "missing; add `kind: %s`", ProfileKind)
	}
	for path, line := range seen {
		p.setSource(path, fmt.Sprintf("%s:%d", name, line))
	}
	if err := p.Validate(); err != nil {
		var pe *ProfileError
		if errors.As(err, &pe) {
			pe.File = name
			if pe.Line == 0 {
				pe.Line = seen[pe.Path]
			}
		}
		return base, err
	}
	return p, nil
}

// yamlProblem turns a yaml.v3 error into a line and a message without the library's prefix.
func yamlProblem(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		_, rest, _ := strings.Cut(msg, ":")
		msg = strings.TrimSpace(rest)
	}
	return line, "invalid YAML: " + msg
}

// checkNode compares a YAML node with the Go type it will be decoded into, so that an
// unknown key or a wrong type is reported with its path and line. It records the line of
// every key it sees in seen.
func checkNode(n *yaml.Node, t reflect.Type, path string, seen map[string]int) *ProfileError {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		return nil
	}
	wrong := func(want string) *ProfileError {
		return &ProfileError{Line: n.Line, Path: path, Msg: fmt.Sprintf("expected %s, found %s", want, describeNode(n))}
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return wrong("a mapping")
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			child := joinPath(path, key.Value)
			f, ok := fields[key.Value]
			if !ok {
				return &ProfileError{Line: key.Line, Path: child, Msg: fmt.Sprintf("unknown key; known keys here: %s", strings.Join(slices.Sorted(maps.Keys(fields)), ", "))}
			}
			seen[child] = key.Line
			if err := checkNode(val, f, child, seen); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return wrong("a mapping")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			child := joinPath(path, n.Content[i].Value)
			seen[child] = n.Content[i].Line
			if err := checkNode(n.Content[i+1], t.Elem(), child, seen); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return wrong("a list")
		}
		for i, item := range n.Content {
			child := fmt.Sprintf("%s[%d]", path, i)
			seen[child] = item.Line
			if err := checkNode(item, t.Elem(), child, seen); err != nil {
				return err
			}
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return wrong("true or false")
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return wrong("a string")
		}
	}
	return nil
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			out[name] = f.Type
		}
	}
	return out
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// Validate checks the values of a profile: names are valid Kubernetes names, the server is
// an https URL, severities are known.
func (p *Profile) Validate() error {
	bad := func(path, format string, args ...any) error {
		return &ProfileError{Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	if p.APIVersion != ProfileAPIVersion {
		return bad("apiVersion", "%q is not supported; use %s", p.APIVersion, ProfileAPIVersion)
	}
	if p.Kind != ProfileKind {
		return bad("kind", "%q is not supported; use %s", p.Kind, ProfileKind)
	}
	names := map[string]string{
		"argocd.namespace":                           p.ArgoCD.Namespace,
		"features.sealedSecrets.controllerNamespace": p.Features.SealedSecrets.ControllerNamespace,
	}
	for i, ns := range p.Namespaces.Managed {
		names[fmt.Sprintf("namespaces.managed[%d]", i)] = ns
	}
	for i, ns := range p.Namespaces.Platform {
		names[fmt.Sprintf("namespaces.platform[%d]", i)] = ns
	}
	// Each group is checked in path order, so that a profile with several mistakes is
	// refused with the same one every time.
	firstInvalid := func(values map[string]string, valid func(string) bool, format string) error {
		for _, path := range slices.Sorted(maps.Keys(values)) {
			if !valid(values[path]) {
				return bad(path, format, values[path])
			}
		}
		return nil
	}
	if err := firstInvalid(names, func(v string) bool { return len(validation.IsDNS1123Label(v)) == 0 },
		"%q is not a namespace name (lower case letters, digits and '-', at most 63)"); err != nil {
		return err
	}
	objects := map[string]string{
		"features.helmSecrets.keySecretName":    p.Features.HelmSecrets.KeySecretName,
		"features.sealedSecrets.controllerName": p.Features.SealedSecrets.ControllerName,
		"features.vals.secretName":              p.Features.Vals.SecretName,
		"notifications.configMap":               p.Notifications.ConfigMap,
		"notifications.secret":                  p.Notifications.Secret,
	}
	if err := firstInvalid(objects, func(v string) bool { return len(validation.IsDNS1123Subdomain(v)) == 0 },
		"%q is not an object name (lower case letters, digits, '-' and '.')"); err != nil {
		return err
	}
	labels := map[string]string{
		"features.helmSecrets.keySecretLabel": p.Features.HelmSecrets.KeySecretLabel,
		"features.vals.secretLabel":           p.Features.Vals.SecretLabel,
	}
	if err := firstInvalid(labels, func(v string) bool { return v != "" && len(validation.IsValidLabelValue(v)) == 0 },
		"%q is not a label value"); err != nil {
		return err
	}
	if errs := validation.IsConfigMapKey(p.Features.HelmSecrets.KeySecretDataKey); len(errs) > 0 {
		return bad("features.helmSecrets.keySecretDataKey", "%q is not a Secret data key (letters, digits, '-', '_' and '.')", p.Features.HelmSecrets.KeySecretDataKey)
	}
	if u, err := url.Parse(p.ArgoCD.Server); err != nil || u.Scheme != "https" || u.Host == "" {
		return bad("argocd.server", "%q is not an https URL; the in-cluster server is https://kubernetes.default.svc", p.ArgoCD.Server)
	}
	if p.ArgoCD.ServerName == "" {
		return bad("argocd.serverName", "empty; the in-cluster cluster is named in-cluster")
	}
	for i, r := range p.Registries {
		if r == "" || strings.Contains(r, "://") || strings.ContainsAny(r, " \t") {
			return bad(fmt.Sprintf("registries[%d]", i), "%q is not a registry host; write it as harbor.example.com", r)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(p.Policy.Severity)) {
		if s := p.Policy.Severity[id]; s != "error" && s != "warning" && s != "info" {
			return bad("policy.severity."+id, "%q is not a severity; use error, warning or info", s)
		}
	}
	return nil
}
