package argocdmanaged

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// ProfileField is one leaf value of a profile, with where it came from.
type ProfileField struct {
	Path   string `json:"path"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Fields lists every leaf of the profile in file order, lists and maps shown as one value,
// with the source of each (see Source).
func (p *Profile) Fields() []ProfileField {
	var out []ProfileField
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		if v.Kind() == reflect.Struct {
			t := v.Type()
			for i := 0; i < t.NumField(); i++ {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
				if !t.Field(i).IsExported() || name == "" || name == "-" {
					continue
				}
				walk(v.Field(i), joinPath(path, name))
			}
			return
		}
		out = append(out, ProfileField{Path: path, Value: formatValue(v), Source: p.Source(path)})
	}
	walk(reflect.ValueOf(*p), "")
	return out
}

func formatValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Map:
		items := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			items = append(items, fmt.Sprintf("%v: %v", k.Interface(), v.MapIndex(k).Interface()))
		}
		sort.Strings(items)
		return "{" + strings.Join(items, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}
