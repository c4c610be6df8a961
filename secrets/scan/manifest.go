package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/secrets/internal/yamlnode"
)

// documents decodes every YAML document of data; it stops at the first that does not parse
// (a Helm template, say) and returns those before it with the error.
func documents(data []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return docs, nil
			}
			return docs, err
		}
		if len(doc.Content) > 0 {
			docs = append(docs, doc.Content[0])
		}
	}
}

// lastLine is the last line n spans: that of its last descendant, plus the lines of a
// multi-line scalar.
func lastLine(n *yaml.Node) int {
	for len(n.Content) > 0 {
		n = n.Content[len(n.Content)-1]
	}
	end := n.Line + strings.Count(strings.TrimRight(n.Value, "\n"), "\n")
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		end++ // the value starts on the line after its | or >
	}
	return end
}

// PlaintextSecrets finds the core/v1 Secret manifests in data (also inside a List) whose
// data or stringData hold a non-empty value that is not sops-encrypted: one finding per
// field, at the line of its key. In a sops-encrypted manifest only the values left in
// plaintext count. Documents that are not YAML (Helm templates) and values that are
// templates ({{ ... }}) are skipped.
func PlaintextSecrets(file string, data []byte) []Finding {
	docs, _ := documents(data)
	var out []Finding
	var check func(obj *yaml.Node)
	check = func(obj *yaml.Node) {
		if obj.Kind != yaml.MappingNode {
			return
		}
		kind, apiVersion := yamlnode.Scalar(obj, "kind"), yamlnode.Scalar(obj, "apiVersion")
		if strings.HasSuffix(kind, "List") && apiVersion == "v1" {
			if items := yamlnode.Value(obj, "items"); items != nil && items.Kind == yaml.SequenceNode {
				for _, it := range items.Content {
					check(it)
				}
			}
			return
		}
		if kind != "Secret" || apiVersion != "v1" {
			return
		}
		meta := yamlnode.Value(obj, "metadata")
		name := yamlnode.Scalar(meta, "name")
		if ns := yamlnode.Scalar(meta, "namespace"); ns != "" {
			name = ns + "/" + name
		}
		for _, field := range []string{"data", "stringData"} {
			k, v := yamlnode.Key(obj, field), yamlnode.Value(obj, field)
			if v == nil || v.Kind != yaml.MappingNode {
				continue
			}
			var keys []string
			for i := 0; i+1 < len(v.Content); i += 2 {
				val := v.Content[i+1]
				if val.Kind != yaml.ScalarNode || val.Value == "" || val.Tag == "!!null" ||
					IsEncryptedValue(val.Value) || strings.Contains(val.Value, "{{") {
					continue
				}
				keys = append(keys, v.Content[i].Value)
			}
			if len(keys) == 0 {
				continue
			}
			sort.Strings(keys)
			out = append(out, Finding{
				Check: CheckPlaintextSecret, File: file, Line: k.Line, Column: k.Column, EndLine: lastLine(v), Key: field,
				Message: fmt.Sprintf("Secret %s has %d plaintext value(s) in %s (keys: %s)",
					name, len(keys), field, strings.Join(keys, ", ")),
				Fix:         fix.Fix{Op: fix.SealSecret},
				Remediation: "seal it, move the values to a sops-encrypted values file, or reference them from Vault",
			})
		}
	}
	for _, d := range docs {
		check(d)
	}
	return out
}

// ValueFileRef is a reference from an Argo CD Application (or ApplicationSet template) to a
// file that helm-secrets decrypts: a secrets:// entry of helm.valueFiles or of
// helm.fileParameters[].path.
type ValueFileRef struct {
	// File and Line locate the reference in the manifest.
	File string
	Line int
	// Ref is the reference as written, e.g. "secrets://secrets.yaml".
	Ref string
	// Path is the referenced file, slash-separated and relative to the repository root: the
	// source's path joined with the file, or the file after a $ref/ prefix of a multi-source
	// Application. Empty when the file is not in a repository (a URL, an absolute path).
	Path string
	// Application names the manifest, "namespace/name".
	Application string
}

// SecretsValueFiles lists the helm-secrets file references of the Applications and
// ApplicationSets in data. secrets+literal:// (vals) and remote files are not file
// references in the repository and are left out.
func SecretsValueFiles(file string, data []byte) []ValueFileRef {
	docs, _ := documents(data)
	var out []ValueFileRef
	for _, d := range docs {
		if !strings.HasPrefix(yamlnode.Scalar(d, "apiVersion"), "argoproj.io/") {
			continue
		}
		spec := yamlnode.Value(d, "spec")
		switch yamlnode.Scalar(d, "kind") {
		case "Application":
		case "ApplicationSet":
			spec = yamlnode.Value(yamlnode.Value(yamlnode.Value(d, "spec"), "template"), "spec")
		default:
			continue
		}
		meta := yamlnode.Value(d, "metadata")
		app := yamlnode.Scalar(meta, "name")
		if ns := yamlnode.Scalar(meta, "namespace"); ns != "" {
			app = ns + "/" + app
		}
		var sources []*yaml.Node
		if s := yamlnode.Value(spec, "source"); s != nil {
			sources = append(sources, s)
		}
		if ss := yamlnode.Value(spec, "sources"); ss != nil && ss.Kind == yaml.SequenceNode {
			sources = append(sources, ss.Content...)
		}
		for _, src := range sources {
			helm := yamlnode.Value(src, "helm")
			var refs []*yaml.Node
			if vf := yamlnode.Value(helm, "valueFiles"); vf != nil && vf.Kind == yaml.SequenceNode {
				refs = append(refs, vf.Content...)
			}
			if fp := yamlnode.Value(helm, "fileParameters"); fp != nil && fp.Kind == yaml.SequenceNode {
				for _, p := range fp.Content {
					if n := yamlnode.Value(p, "path"); n != nil {
						refs = append(refs, n)
					}
				}
			}
			for _, n := range refs {
				if n.Kind != yaml.ScalarNode {
					continue
				}
				target, ok := SecretsFilePath(n.Value)
				if !ok {
					continue
				}
				out = append(out, ValueFileRef{File: file, Line: n.Line, Ref: n.Value, Application: app,
					Path: resolveSourcePath(yamlnode.Scalar(src, "path"), target)})
			}
		}
	}
	return out
}

// SecretsFilePath returns the file of a helm-secrets reference: "secrets://F",
// "secrets+gpg-import://KEY?F", "secrets+age-import-kubernetes://NS/NAME#KEY?F" and the
// like all give F. ok is false for other values and for secrets+literal:// (vals).
func SecretsFilePath(ref string) (file string, ok bool) {
	scheme, rest, found := strings.Cut(ref, "://")
	if !found || (scheme != "secrets" && !strings.HasPrefix(scheme, "secrets+")) || scheme == "secrets+literal" {
		return "", false
	}
	if strings.HasSuffix(scheme, "-import") || strings.HasSuffix(scheme, "-import-kubernetes") {
		_, f, found := strings.Cut(rest, "?")
		if !found {
			return "", false
		}
		rest = f
	}
	return rest, rest != ""
}

// resolveSourcePath turns a value file of a source into a repository path: Argo CD reads it
// relative to the source's path, or from the root of the referenced repository after a
// $ref/ prefix. URLs and absolute paths give "".
func resolveSourcePath(srcPath, file string) string {
	if strings.Contains(file, "://") || path.IsAbs(file) {
		return ""
	}
	if strings.HasPrefix(file, "$") {
		_, rest, ok := strings.Cut(file, "/")
		if !ok {
			return ""
		}
		file, srcPath = rest, ""
	}
	p := path.Clean(path.Join(srcPath, file))
	if p == ".." || strings.HasPrefix(p, "../") {
		return ""
	}
	return p
}
