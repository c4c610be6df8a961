package notify

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/argoproj/notifications-engine/pkg/triggers"
	"sigs.k8s.io/yaml"
)

// The engine decodes templates and trigger conditions with a lenient YAML decoder: a key it
// does not know (`mesage:`, `oncePEr:`, a `subject:` outside `email:`) is dropped without a
// word. These find such keys by comparing what is written with the engine's own types.

var (
	notificationType = reflect.TypeFor[services.Notification]()
	conditionType    = reflect.TypeFor[triggers.Condition]()
)

// unknownKey is a key the engine ignores, with the key the author probably meant.
type unknownKey struct {
	path, suggestion string
}

// unknownKeys lists the keys of raw (a YAML mapping) that the JSON form of t does not have,
// by dotted path, sorted.
func unknownKeys(raw any, t reflect.Type) []unknownKey {
	var out []unknownKey
	var walk func(v any, t reflect.Type, path string)
	walk = func(v any, t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Map:
			if m, ok := v.(map[string]any); ok {
				for _, k := range slices.Sorted(maps.Keys(m)) {
					walk(m[k], t.Elem(), joinKey(path, k))
				}
			}
		case reflect.Struct:
			m, ok := v.(map[string]any)
			if !ok {
				return
			}
			fields := jsonFields(t)
			for _, k := range slices.Sorted(maps.Keys(m)) {
				ft, known := fields[k]
				if !known {
					out = append(out, unknownKey{path: joinKey(path, k), suggestion: suggestKey(k, path, fields)})
					continue
				}
				walk(m[k], ft, joinKey(path, k))
			}
		}
	}
	walk(raw, t, "")
	return out
}

func joinKey(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// jsonFields are the JSON names of a struct's fields, embedded structs flattened.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// suggestKey names the key meant: a known key at the same level that differs in case or by
// one or two letters, or, at the top of a template, the section that has such a key
// (`subject` is `email.subject`).
func suggestKey(k, path string, fields map[string]reflect.Type) string {
	best, bestDist := "", 3
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if strings.EqualFold(name, k) {
			return joinKey(path, name)
		}
		if d := editDistance(strings.ToLower(k), strings.ToLower(name)); d < bestDist {
			best, bestDist = name, d
		}
	}
	if best != "" {
		return joinKey(path, best)
	}
	for _, section := range slices.Sorted(maps.Keys(fields)) {
		st := fields[section]
		for st.Kind() == reflect.Pointer {
			st = st.Elem()
		}
		if st.Kind() != reflect.Struct {
			continue
		}
		if _, ok := jsonFields(st)[k]; ok {
			return joinKey(joinKey(path, section), k)
		}
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// describeUnknownKeys lists the keys of raw that type t does not have, as a finding names
// them; "" when it has them all.
func describeUnknownKeys(raw any, t reflect.Type) string {
	var parts []string
	for _, u := range unknownKeys(raw, t) {
		parts = append(parts, describeUnknown(u))
	}
	return strings.Join(parts, ", ")
}

func describeUnknown(u unknownKey) string {
	if u.suggestion != "" {
		return fmt.Sprintf("%q (did you mean %q?)", u.path, u.suggestion)
	}
	return fmt.Sprintf("%q", u.path)
}

// templateKeys reports the keys of a template the engine ignores, one finding per template.
func (l *linter) templateKeys(t Template) {
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(t.Raw), &raw); err != nil {
		return
	}
	if unknown := describeUnknownKeys(raw, notificationType); unknown != "" {
		l.cm(RuleTemplateKey, "template %s has %s, which the engine ignores without a word: that part of the message is never sent", t.Name, unknown)
	}
}

// conditionKeys reports the keys of a trigger's conditions the engine ignores.
func (l *linter) conditionKeys(t Trigger) {
	var raw []map[string]any
	if err := yaml.Unmarshal([]byte(t.Raw), &raw); err != nil {
		return
	}
	for i, c := range raw {
		if unknown := describeUnknownKeys(c, conditionType); unknown != "" {
			l.cm(RuleTriggerKey, "trigger %s, condition %d has %s, which the engine ignores without a word (a misspelt oncePer sends on every change)", t.Name, i, unknown)
		}
	}
}

// jsonPayloads are the rendered fields each service parses as JSON before sending; one
// that does not parse fails every delivery through that service.
func jsonPayloads(n *services.Notification) map[string]string {
	out := map[string]string{}
	if n.Slack != nil {
		out["slack.attachments"], out["slack.blocks"] = n.Slack.Attachments, n.Slack.Blocks
	}
	if n.Teams != nil {
		out["teams.facts"], out["teams.sections"], out["teams.potentialAction"] = n.Teams.Facts, n.Teams.Sections, n.Teams.PotentialAction
	}
	if n.TeamsWorkflows != nil {
		w := n.TeamsWorkflows
		out["teams-workflows.facts"], out["teams-workflows.sections"], out["teams-workflows.potentialAction"], out["teams-workflows.adaptiveCard"] = w.Facts, w.Sections, w.PotentialAction, w.AdaptiveCard
	}
	if n.GoogleChat != nil {
		out["googlechat.cards"], out["googlechat.cardsV2"] = n.GoogleChat.Cards, n.GoogleChat.CardsV2
	}
	for k, v := range out {
		if strings.TrimSpace(v) == "" {
			delete(out, k)
		}
	}
	return out
}

// jsonWebhook says whether a webhook service sends a JSON content type, so that its body
// must be JSON for the receiver.
func jsonWebhook(s Service) bool {
	hs, _ := s.Options["headers"].([]any)
	for _, h := range hs {
		hm, _ := h.(map[string]any)
		name, _ := hm["name"].(string)
		value, _ := hm["value"].(string)
		if strings.EqualFold(name, "Content-Type") && strings.Contains(strings.ToLower(value), "json") {
			return true
		}
	}
	return false
}

// payloadProblem is the first rendered JSON field of n that does not parse, for the service
// type (empty: every type's fields).
func payloadProblem(n *services.Notification, serviceType, service string, webhookJSON bool) (field string, err error) {
	if n == nil {
		return "", nil
	}
	fields := jsonPayloads(n)
	if webhookJSON {
		if wh, ok := n.Webhook[service]; ok && strings.TrimSpace(wh.Body) != "" {
			fields["webhook."+service+".body"] = wh.Body
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if serviceType != "" && !strings.HasPrefix(k, serviceType+".") && !strings.HasPrefix(k, "webhook.") {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(fields[k]), &v); err != nil {
			return k, err
		}
	}
	return "", nil
}

var missingAt = regexp.MustCompile(`at <([^>]+)>`)

// missingField names a field a template reads that is missing on obj, and where: it runs
// each text of the template again with missingkey=error, which text/template otherwise
// renders as "<no value>".
func missingField(raw string, vars map[string]any) (field, where string) {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(raw), &m); err != nil {
		return "", ""
	}
	funcs := templateFuncs()
	var walk func(v any, path string) bool
	walk = func(v any, path string) bool {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if walk(x[k], joinKey(path, k)) {
					return true
				}
			}
		case string:
			if !strings.Contains(x, "{{") {
				return false
			}
			t, err := template.New(path).Funcs(funcs).Option("missingkey=error").Parse(x)
			if err != nil {
				return false
			}
			if err := executeSafely(t, vars); err != nil {
				if mm := missingAt.FindStringSubmatch(err.Error()); mm != nil {
					field, where = mm[1], path
					return true
				}
			}
		}
		return false
	}
	walk(m, "")
	return field, where
}

func executeSafely(t *template.Template, vars map[string]any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return t.Execute(io.Discard, vars)
}
