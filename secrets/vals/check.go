package vals

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/helmfile/vals/pkg/config"
	"github.com/helmfile/vals/pkg/expansion"
	valslog "github.com/helmfile/vals/pkg/log"
	"github.com/helmfile/vals/pkg/providers/vault"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Reference is one vals reference found in an Application.
type Reference struct {
	// Ref is the reference as written, such as ref+vault://secret/shop#/password.
	Ref string `json:"ref"`
	// Provider is the vals scheme: vault, awssecrets, ...
	Provider string `json:"provider"`
	// Path and Key are the Vault path and the key inside it.
	Path string `json:"path"`
	Key  string `json:"key,omitempty"`
	// Location is where it was found: the Application and the field.
	Location string `json:"location"`
}

// FindReferences lists every vals reference (ref+SCHEME://... or secretref+...) in the
// string fields of the Applications in data (YAML or JSON, several documents allowed), in
// file order.
func FindReferences(data []byte) ([]Reference, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var refs []Reference
	for i := 1; ; i++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d is not valid YAML or JSON: %v", i, err)
		}
		if doc == nil {
			continue
		}
		kind, _ := doc["kind"].(string)
		if kind != "Application" {
			return nil, fmt.Errorf("document %d is a %q, not an Argo CD Application", i, kind)
		}
		name := ""
		if md, ok := doc["metadata"].(map[string]any); ok {
			name, _ = md["name"].(string)
		}
		walk(doc, "", func(field, s string) {
			for _, m := range expansion.DefaultRefRegexp.FindAllStringSubmatch(s, -1) {
				refs = append(refs, parseRef(m[3], fmt.Sprintf("Application %s: %s", name, field)))
			}
		})
	}
	return refs, nil
}

func walk(v any, path string, visit func(field, s string)) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walk(t[k], p, visit)
		}
	case []any:
		for i, e := range t {
			walk(e, fmt.Sprintf("%s[%d]", path, i), visit)
		}
	case string:
		visit(path, t)
	}
}

// parseRef splits a reference the way vals does: the path is host and path of the URL, the
// key the fragment without its leading slash.
func parseRef(ref, location string) Reference {
	r := Reference{Ref: "ref+" + ref, Location: location}
	u, err := url.Parse(ref)
	if err != nil {
		r.Provider = "invalid"
		return r
	}
	r.Provider = u.Scheme
	var parts []string
	if u.Host != "" {
		parts = append(parts, u.Host)
	}
	p := strings.TrimPrefix(u.Path, "#")
	if u.Host != "" {
		p = strings.TrimPrefix(p, "/")
	}
	if p != "" {
		parts = append(parts, p)
	}
	r.Path = strings.Join(parts, "/")
	r.Key = strings.TrimPrefix(strings.TrimPrefix(u.Fragment, "#"), "/")
	return r
}

// Status is the outcome of resolving one reference.
type Status string

// The outcomes of Check.
const (
	StatusFound       Status = "found"
	StatusMissing     Status = "missing"
	StatusError       Status = "error"
	StatusUnsupported Status = "unsupported"
)

// Result is what Check found for one reference; it never holds the value.
type Result struct {
	Reference
	Status Status `json:"status"`
	// Message says what is wrong, for every status but found.
	Message string `json:"message,omitempty"`
}

// VaultConfig says how Check reaches Vault with a token.
type VaultConfig struct {
	// Addr is the Vault URL; VAULT_ADDR when empty.
	Addr string
	// Namespace is the Vault Enterprise namespace; VAULT_NAMESPACE when empty.
	Namespace string
	// TokenFile holds the token; when empty the Vault client's own lookup applies
	// (VAULT_TOKEN, then VAULT_TOKEN_FILE or ~/.vault-token).
	TokenFile string
}

// Check resolves every reference with vals' Vault provider and reports, for each, whether
// the path and key exist. Values are read to tell a key from a missing one, and dropped.
// References to other providers are reported as unsupported, not resolved.
func Check(ctx context.Context, refs []Reference, vc VaultConfig) ([]Result, error) {
	cfg := map[string]any{"auth_method": string(AuthToken)}
	if vc.Addr != "" {
		cfg["address"] = vc.Addr
	}
	if vc.Namespace != "" {
		cfg["namespace"] = vc.Namespace
	}
	if vc.TokenFile != "" {
		cfg["token_file"] = vc.TokenFile
	}
	// vals' debug log names paths only; keep it out of the user's output anyway.
	provider := vault.New(valslog.New(valslog.Config{Output: io.Discard}), config.MapConfig{M: cfg})
	maps := map[string]map[string]any{}
	mapErrs := map[string]error{}
	out := make([]Result, 0, len(refs))
	for _, r := range refs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		res := Result{Reference: r}
		switch {
		case r.Provider != "vault":
			res.Status, res.Message = StatusUnsupported, fmt.Sprintf("only vault references are checked; %q is not", r.Provider)
		case r.Key == "":
			res.Status, res.Message = StatusError, "the reference has no #/KEY: the repo server needs one key of the secret"
		default:
			m, seen := maps[r.Path]
			err := mapErrs[r.Path]
			if !seen && err == nil {
				m, err = provider.GetStringMap(r.Path)
				maps[r.Path], mapErrs[r.Path] = m, err
			}
			res.Status, res.Message = classify(m, err, r)
		}
		out = append(out, res)
	}
	return out, nil
}

func classify(m map[string]any, err error, r Reference) (Status, string) {
	if err != nil {
		msg := oneline.Fields(err.Error())
		if strings.Contains(msg, "no secret found") {
			return StatusMissing, fmt.Sprintf("no secret at %s in Vault", r.Path)
		}
		return StatusError, fmt.Sprintf("reading %s from Vault: %s", r.Path, msg)
	}
	var cur any = m
	for _, k := range strings.Split(r.Key, "/") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return StatusMissing, fmt.Sprintf("%s in %s is not a map", k, r.Path)
		}
		if cur, ok = obj[k]; !ok || cur == nil {
			return StatusMissing, fmt.Sprintf("the secret at %s has no key %s", r.Path, r.Key)
		}
	}
	return StatusFound, ""
}
