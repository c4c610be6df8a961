package argocdmanaged

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Unknown holds the fields of an object that this package does not model. Keeping them is
// what lets a tool decode a user's manifest, change one field and write it back without
// losing anything the user wrote, including fields of Argo CD versions newer than this mirror.
// It also keeps modelled fields that were written empty (`[]`, `{}`, `""`, `false`, `0`),
// which omitempty would otherwise drop; they come back only while the field stays empty.
type Unknown map[string]json.RawMessage

// knownNames caches, per struct type, the JSON names its fields claim.
var knownNames sync.Map // reflect.Type -> map[string]bool

func jsonNames(t reflect.Type) map[string]bool {
	if v, ok := knownNames.Load(t); ok {
		return v.(map[string]bool)
	}
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for n := range jsonNames(ft) {
				names[n] = true
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
	knownNames.Store(t, names)
	return names
}

// decodeKeepingUnknown decodes data into known (a pointer to a method-less copy of the
// struct, so that this is not called again recursively) and stores every field that known
// does not claim in unknown.
func decodeKeepingUnknown(data []byte, known any, unknown *Unknown) error {
	if err := json.Unmarshal(data, known); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	names := jsonNames(reflect.TypeOf(known).Elem())
	*unknown = nil
	for k, v := range all {
		if names[k] && !isEmptyJSON(v) {
			continue
		}
		if *unknown == nil {
			*unknown = Unknown{}
		}
		(*unknown)[k] = v
	}
	return nil
}

// encodeWithUnknown encodes known and adds the fields kept in unknown. A modelled field
// always wins over an unknown one of the same name.
func encodeWithUnknown(known any, unknown Unknown) ([]byte, error) {
	data, err := json.Marshal(known)
	if err != nil || len(unknown) == 0 {
		return data, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	for k, v := range unknown {
		if _, ok := all[k]; !ok {
			all[k] = v
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(all); err != nil {
		return nil, fmt.Errorf("encoding unknown fields: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func isEmptyJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "[]", "{}", `""`, "false", "0":
		return true
	}
	return false
}
