package scan

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/secrets/internal/yamlnode"
)

var (
	textDocSepRE  = regexp.MustCompile(`^---`)
	textKindRE    = regexp.MustCompile(`^[ \t]*kind:[ \t]*["']?Secret["']?[ \t]*(#.*)?$`)
	textAPIRE     = regexp.MustCompile(`^[ \t]*apiVersion:[ \t]*["']?([^"'\s#]+)`)
	textFieldRE   = regexp.MustCompile(`^([ \t]*)(data|stringData):[ \t]*(#.*)?$`)
	textEntryRE   = regexp.MustCompile(`^([ \t]*)["']?([\w.-]+)["']?:[ \t]*(.*)$`)
	templateValRE = regexp.MustCompile(`\{\{|\{%|^\$\{`)
)

// TextSecrets finds Secret manifests with plaintext data or stringData in a file that does
// not parse as YAML: a Helm chart template ({{ }} between the lines), a file indented with
// tabs, a manifest with a syntax error. It reads the text line by line: a document (between
// --- lines) with kind: Secret, an apiVersion of v1 or a template, and a data: or
// stringData: block whose entries have literal values. Values that are templates or sops
// ciphertext are not plaintext.
func TextSecrets(file string, data []byte) []Finding {
	lines := strings.Split(string(data), "\n")
	var out []Finding
	start := 0
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && !textDocSepRE.MatchString(lines[i]) {
			continue
		}
		out = append(out, textDocument(file, lines, start, i)...)
		start = i + 1
	}
	return out
}

// textDocument checks lines[from:to] (one document) for a plaintext Secret.
func textDocument(file string, lines []string, from, to int) []Finding {
	isSecret, apiOK := false, true
	for _, l := range lines[from:to] {
		if textKindRE.MatchString(l) && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
			isSecret = true
		}
		if m := textAPIRE.FindStringSubmatch(l); m != nil && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
			apiOK = m[1] == "v1" || strings.Contains(m[1], "{{")
		}
	}
	if !isSecret || !apiOK {
		return nil
	}
	var out []Finding
	for i := from; i < to; i++ {
		m := textFieldRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent := indentWidth(m[1])
		var keys []string
		end := i + 1
		for j := i + 1; j < to; j++ {
			l := lines[j]
			if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") || strings.HasPrefix(strings.TrimSpace(l), "{{") {
				continue
			}
			e := textEntryRE.FindStringSubmatch(l)
			if e == nil {
				// The lines of a block scalar (a certificate under tls.crt: |) belong to the
				// entry above; anything else at or left of data: ends the block.
				if indentWidth(l[:len(l)-len(strings.TrimLeft(l, " \t"))]) > indent {
					end = j + 1
					continue
				}
				break
			}
			if indentWidth(e[1]) <= indent {
				break
			}
			v := strings.Trim(strings.TrimSpace(stripComment(e[3])), `"'`)
			if v == "" || v == "|" || v == ">" || v == "|-" || v == ">-" || v == "null" || v == "~" || templateValRE.MatchString(v) || IsEncryptedValue(v) {
				if v != "|" && v != ">" && v != "|-" && v != ">-" {
					continue
				}
			}
			keys = append(keys, e[2])
			end = j + 1
		}
		if len(keys) == 0 {
			continue
		}
		sort.Strings(keys)
		out = append(out, Finding{
			Check: CheckPlaintextSecret, File: file, Line: i + 1, Column: len(m[1]) + 1, EndLine: end, Key: m[2],
			Message: fmt.Sprintf("Secret has %d plaintext value(s) in %s (keys: %s; read as text: the file is not plain YAML)",
				len(keys), m[2], strings.Join(keys, ", ")),
			Remediation: "take the values from a sops-encrypted values file (secrets://) or Vault through the template, or seal the Secret",
			Fix:         fix.Fix{Op: fix.SealSecret},
		})
	}
	return out
}

// indentWidth counts a tab as one column more than any run of spaces before it would need:
// what matters is only whether an entry is deeper than its data: line.
func indentWidth(s string) int { return len(s) + 7*strings.Count(s, "\t") }

func stripComment(v string) string {
	if i := strings.Index(v, " #"); i >= 0 {
		return v[:i]
	}
	return v
}

// kustomizationNames are the files kustomize reads as a kustomization.
var kustomizationNames = map[string]bool{"kustomization.yaml": true, "kustomization.yml": true, "Kustomization": true}

// GeneratedSecrets finds kustomize secretGenerator entries with literals, envs or files in
// a kustomization: each puts a Secret's values into the repository in plaintext.
func GeneratedSecrets(file string, data []byte) []Finding {
	if !kustomizationNames[path.Base(file)] || !bytes.Contains(data, []byte("secretGenerator")) {
		return nil
	}
	docs, _ := documents(data)
	var out []Finding
	for _, d := range docs {
		gens := yamlnode.Value(d, "secretGenerator")
		if gens == nil {
			continue
		}
		for _, g := range gens.Content {
			name := yamlnode.Scalar(g, "name")
			for _, field := range []string{"literals", "envs", "files"} {
				v := yamlnode.Value(g, field)
				if v == nil || len(v.Content) == 0 {
					continue
				}
				k := yamlnode.Key(g, field)
				what := fmt.Sprintf("%d literal value(s)", len(v.Content))
				if field != "literals" {
					what = fmt.Sprintf("the plaintext of %d file(s) of the repository (%s)", len(v.Content), field)
				}
				out = append(out, Finding{
					Check: CheckPlaintextSecret, File: file, Line: k.Line, Column: k.Column, EndLine: lastLine(v), Key: "secretGenerator." + name + "." + field,
					Message:     fmt.Sprintf("kustomize secretGenerator %s makes a Secret from %s", name, what),
					Remediation: "generate the Secret from a SealedSecret or Vault instead, or encrypt the source with sops (ksops); values in git are readable by everyone with the repository",
				})
			}
		}
	}
	return out
}
