package notify

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

//go:embed catalog.yaml
var catalogYAML []byte

// CatalogTriggers are the triggers of the catalog, in the order of Argo CD's catalog.
var CatalogTriggers = []string{
	"on-created", "on-deleted", "on-deployed", "on-health-degraded",
	"on-sync-failed", "on-sync-running", "on-sync-status-unknown", "on-sync-succeeded",
}

// catalogData returns the catalog as ConfigMap data: trigger.<name> and template.app-<event>.
func catalogData() map[string]string {
	out := map[string]string{}
	if err := yaml.Unmarshal(catalogYAML, &out); err != nil {
		// The catalog is compiled in and tested; a failure here is a build defect.
		panic(fmt.Sprintf("notify: the embedded catalog does not parse: %v", err))
	}
	return out
}

// CatalogEntries returns the ConfigMap keys of the given catalog triggers and their
// templates; no names means the whole catalog.
func CatalogEntries(only []string) (map[string]string, error) {
	all := catalogData()
	if len(only) == 0 {
		return all, nil
	}
	out := map[string]string{}
	for _, t := range only {
		if !slices.Contains(CatalogTriggers, t) {
			return nil, fmt.Errorf("%q is not a catalog trigger: use one of %s", t, strings.Join(CatalogTriggers, ", "))
		}
		key := TriggerPrefix + t
		out[key] = all[key]
		for _, tmpl := range catalogSends(all[key]) {
			out[TemplatePrefix+tmpl] = all[TemplatePrefix+tmpl]
		}
	}
	return out, nil
}

func catalogSends(raw string) []string {
	var conds []struct {
		Send []string `json:"send"`
	}
	_ = yaml.Unmarshal([]byte(raw), &conds)
	var out []string
	for _, c := range conds {
		out = append(out, c.Send...)
	}
	return out
}

// InstallResult says what InstallCatalog did, by ConfigMap key.
type InstallResult struct {
	Added     []string `json:"added"`
	Replaced  []string `json:"replaced"`
	Unchanged []string `json:"unchanged"`
	// Kept are the user's own entries of the same name, left as they were (no force).
	Kept []string `json:"kept"`
}

// InstallCatalog adds the catalog entries (all, or those of the given triggers) to the
// configuration. A user's own trigger or template of the same name is only replaced with
// force.
func (c *Config) InstallCatalog(only []string, force bool) (InstallResult, error) {
	var res InstallResult
	entries, err := CatalogEntries(only)
	if err != nil {
		return res, err
	}
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		cur, exists := c.Data[k]
		switch {
		case !exists:
			res.Added = append(res.Added, k)
		case cur == entries[k]:
			res.Unchanged = append(res.Unchanged, k)
			continue
		case !force:
			res.Kept = append(res.Kept, k)
			continue
		default:
			res.Replaced = append(res.Replaced, k)
		}
		c.Data[k] = entries[k]
	}
	return res, nil
}
