package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"filippo.io/age"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// Kinds of change in a diff.
const (
	ChangeAdded       = "added"
	ChangeRemoved     = "removed"
	ChangeChanged     = "changed"
	ChangeNotCompared = "not-compared"
)

// hiddenValue stands for a Secret value in a diff: values are never shown.
const hiddenValue = "(hidden)"

// Snapshot is a set of cleaned objects by "Kind/name": a backup or the live cluster. A
// Secret whose data could not be decrypted is present with Sealed set.
type Snapshot struct {
	Label   string
	Objects map[string]*unstructured.Unstructured
	// Sealed are the refs of Secrets read without an identity.
	Sealed map[string]bool
}

// LoadBackup reads a backup into a Snapshot, verifying it as it goes. Without identities
// an encrypted backup's Secrets are sealed: present, but not compared.
func LoadBackup(ctx context.Context, st *store.Store, name string, ids []age.Identity) (*Snapshot, error) {
	r, ro, err := openBound(ctx, st, name, archive.ReadOptions{Identities: ids, SkipDecrypt: len(ids) == 0})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	s := &Snapshot{Label: name, Objects: map[string]*unstructured.Unstructured{}, Sealed: map[string]bool{}}
	_, err = archive.Verify(r, ro, func(o archive.Object) error {
		if o.Data == nil {
			s.Sealed[o.Ref()] = true
			u := &unstructured.Unstructured{}
			u.SetKind(o.Kind)
			u.SetName(o.Name)
			s.Objects[o.Ref()] = u
			return nil
		}
		u, err := decodeYAML(o)
		if err != nil {
			return err
		}
		s.Objects[o.Ref()] = Clean(u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return s, nil
}

func decodeYAML(o archive.Object) (*unstructured.Unstructured, error) {
	var obj map[string]any
	if err := yamlUnmarshal(o.Data, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("%w: %s is not a YAML object", archive.ErrCorrupt, o.Ref())
	}
	return &unstructured.Unstructured{Object: obj}, nil
}

// LoadLive reads the objects in scope from the cluster into a Snapshot.
func LoadLive(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile) (*Snapshot, []string, error) {
	scope := Scope{Profile: p}
	s := &Snapshot{Label: "live", Objects: map[string]*unstructured.Unstructured{}, Sealed: map[string]bool{}}
	warnings, err := collect(ctx, c, scope, func(k kindInfo, u *unstructured.Unstructured) error {
		if scope.Check(u) == "" {
			s.Objects[k.Kind+"/"+u.GetName()] = Clean(u)
		}
		return nil
	})
	return s, warnings, err
}

// FieldChange is one changed field. From and To are JSON; for Secret data both are
// "(hidden)".
type FieldChange struct {
	Path string `json:"path"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// ObjectDiff is how one object differs.
type ObjectDiff struct {
	Kind   string        `json:"kind"`
	Name   string        `json:"name"`
	Change string        `json:"change"`
	Fields []FieldChange `json:"fields,omitempty"`
}

// DiffResult compares two snapshots: what happened going from From to To.
type DiffResult struct {
	From      string       `json:"from"`
	To        string       `json:"to"`
	Added     int          `json:"added"`
	Removed   int          `json:"removed"`
	Changed   int          `json:"changed"`
	Unchanged int          `json:"unchanged"`
	Objects   []ObjectDiff `json:"objects"`
}

// Empty says whether the two sides are the same.
func (d *DiffResult) Empty() bool { return d.Added+d.Removed+d.Changed == 0 }

// Diff compares two snapshots object by object, with a field-level diff of changed ones.
// Secret values are never shown, only that they changed.
func Diff(from, to *Snapshot) *DiffResult {
	d := &DiffResult{From: from.Label, To: to.Label, Objects: []ObjectDiff{}}
	refs := map[string]bool{}
	for r := range from.Objects {
		refs[r] = true
	}
	for r := range to.Objects {
		refs[r] = true
	}
	sorted := make([]string, 0, len(refs))
	for r := range refs {
		sorted = append(sorted, r)
	}
	slices.SortFunc(sorted, func(a, b string) int {
		ka, _, _ := strings.Cut(a, "/")
		kb, _, _ := strings.Cut(b, "/")
		if d := archive.KindRank(ka) - archive.KindRank(kb); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, ref := range sorted {
		kind, name, _ := strings.Cut(ref, "/")
		a, b := from.Objects[ref], to.Objects[ref]
		od := ObjectDiff{Kind: kind, Name: name}
		switch {
		case a == nil:
			od.Change = ChangeAdded
			d.Added++
		case b == nil:
			od.Change = ChangeRemoved
			d.Removed++
		case from.Sealed[ref] || to.Sealed[ref]:
			od.Change = ChangeNotCompared
		default:
			fields := compare(kind == "Secret", "", a.Object, b.Object)
			if len(fields) == 0 {
				d.Unchanged++
				continue
			}
			od.Change = ChangeChanged
			od.Fields = fields
			d.Changed++
		}
		d.Objects = append(d.Objects, od)
	}
	return d
}

// compare walks two JSON values; maps are compared key by key, anything else as a whole.
func compare(secret bool, path string, a, b any) []FieldChange {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		var out []FieldChange
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if strings.ContainsAny(k, ".") {
				p = fmt.Sprintf("%s[%q]", path, k)
			}
			out = append(out, compare(secret, p, am[k], bm[k])...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	fc := FieldChange{Path: path, From: render(a), To: render(b)}
	if secret && (strings.HasPrefix(path, "data") || strings.HasPrefix(path, "stringData")) {
		fc.From, fc.To = hide(a), hide(b)
	}
	return []FieldChange{fc}
}

func hide(v any) string {
	if v == nil {
		return ""
	}
	return hiddenValue
}

func render(v any) string {
	if v == nil {
		return ""
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 200
	if len(data) > max {
		return string(data[:max]) + "..."
	}
	return string(data)
}
