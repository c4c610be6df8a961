package appset

import "reflect"

// opaqueTemplateFields are fields of the Application type that are raw JSON
// (runtime.RawExtension): mergo keeps the generator's whole value when it has one.
var opaqueTemplateFields = map[string]bool{"valuesObject": true}

// mergeTemplate is mergeGeneratorTemplate: mergo.Merge(generator's template, the
// ApplicationSet's template) over the typed template. Fields empty in the generator's
// template ("" , 0, false, empty lists and maps, absent) take the ApplicationSet's value;
// objects are merged field by field; lists are never merged.
func mergeTemplate(override, base map[string]any) map[string]any {
	out := deepCopy(override).(map[string]any)
	fillEmpty(out, base)
	return out
}

func fillEmpty(dst, src map[string]any) {
	for k, sv := range src {
		dv, ok := dst[k]
		if !ok || isEmpty(dv) {
			if !isEmpty(sv) {
				dst[k] = deepCopy(sv)
			}
			continue
		}
		if opaqueTemplateFields[k] {
			continue
		}
		dm, dIsMap := dv.(map[string]any)
		sm, sIsMap := sv.(map[string]any)
		if dIsMap && sIsMap {
			fillEmpty(dm, sm)
		}
	}
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case bool:
		return !t
	case float64:
		return t == 0
	case []any:
		return len(t) == 0
	case map[string]any:
		return false
	}
	return false
}

// mergeOverride is mergo.Merge(&dst, src, mergo.WithOverride) over parameter maps, as the
// matrix and merge generators use it for Go templates: src's values win, maps that are not
// empty on both sides are merged into dst's map in place.
func mergeOverride(dst map[string]any, src map[string]any) {
	mergeMapOverride(reflect.ValueOf(dst), reflect.ValueOf(src))
}

func mergeMapOverride(dst, src reflect.Value) {
	for _, key := range src.MapKeys() {
		sv := src.MapIndex(key)
		dv := dst.MapIndex(key)
		se := reflect.ValueOf(sv.Interface())
		if sv.Kind() == reflect.Interface && sv.IsNil() {
			dst.SetMapIndex(key, sv)
			continue
		}
		if se.Kind() == reflect.Map && dv.IsValid() {
			de := reflect.ValueOf(dv.Interface())
			if de.Kind() == reflect.Map {
				if de.Len() > 0 {
					if se.Len() > 0 {
						mergeMapOverride(de, se)
					}
					continue
				}
			}
		}
		if !se.Type().AssignableTo(dst.Type().Elem()) {
			continue
		}
		dst.SetMapIndex(key, se)
	}
}
