package diff

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
)

// Redacted stands for a Secret value in every diff; a value that differs between base and
// head is shown as ChangedRedacted on the head side, so the diff says that it changed
// without saying how.
const (
	Redacted        = "++++++++"
	ChangedRedacted = "++++++++ (changed)"
)

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// redactSecrets returns copies of two versions of a Secret (either may be nil) with the
// values of data and stringData, and the last-applied annotation, replaced, and which keys
// changed. Keys are compared on the value the Secret will hold: stringData over data, data
// base64-decoded.
func redactSecrets(b, h map[string]any) (map[string]any, map[string]any, *SecretKeys) {
	bv, hv := secretValues(b), secretValues(h)
	keys := &SecretKeys{}
	changed := map[string]bool{}
	if b != nil && h != nil {
		for _, k := range slices.Sorted(maps.Keys(bv)) {
			hval, ok := hv[k]
			switch {
			case !ok:
				keys.Removed = append(keys.Removed, k)
			case hval != bv[k]:
				keys.Changed = append(keys.Changed, k)
				changed[k] = true
			}
		}
		for _, k := range slices.Sorted(maps.Keys(hv)) {
			if _, ok := bv[k]; !ok {
				keys.Added = append(keys.Added, k)
			}
		}
	}
	annChanged := annotation(b, lastApplied) != annotation(h, lastApplied)
	return redactSecret(b, nil, false), redactSecret(h, changed, annChanged), keys
}

// secretValues are the values the Secret will hold, by key.
func secretValues(m map[string]any) map[string]string {
	out := map[string]string{}
	if data, ok := m["data"].(map[string]any); ok {
		for k, v := range data {
			s := fmt.Sprint(v)
			if dec, err := base64.StdEncoding.DecodeString(s); err == nil {
				s = string(dec)
			}
			out[k] = s
		}
	}
	if sd, ok := m["stringData"].(map[string]any); ok {
		for k, v := range sd {
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

func annotation(m map[string]any, key string) any {
	md, _ := m["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	return ann[key]
}

// redactSecret copies m with every value of data and stringData replaced (ChangedRedacted
// for the keys in changed), and the last-applied annotation likewise.
func redactSecret(m map[string]any, changed map[string]bool, annChanged bool) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for _, field := range []string{"data", "stringData"} {
		vals, ok := m[field].(map[string]any)
		if !ok {
			if _, present := m[field]; present {
				out[field] = Redacted // not a map: still never shown
			}
			continue
		}
		red := make(map[string]any, len(vals))
		for k := range vals {
			red[k] = Redacted
			if changed[k] {
				red[k] = ChangedRedacted
			}
		}
		out[field] = red
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			if _, has := ann[lastApplied]; has {
				md2, ann2 := maps.Clone(md), maps.Clone(ann)
				ann2[lastApplied] = Redacted
				if annChanged {
					ann2[lastApplied] = ChangedRedacted
				}
				md2["annotations"] = ann2
				out["metadata"] = md2
			}
		}
	}
	return out
}
