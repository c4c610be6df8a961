package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/Masterminds/sprig/v3"
	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/argoproj/notifications-engine/pkg/subscriptions"
	"github.com/argoproj/notifications-engine/pkg/util/text"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/policy"
)

// MaxConfigMapBytes is the most data the API server stores in one ConfigMap.
const MaxConfigMapBytes = 1 << 20

// LintOptions give Lint the context of the configuration.
type LintOptions struct {
	// Applications and AppProjects whose subscriptions are checked against the
	// configuration.
	Applications []Located[*argocdmanaged.Application]
	AppProjects  []Located[*argocdmanaged.AppProject]
	// ConfigMapFile and SecretFile name where the configuration was read from, for the
	// findings; empty for live objects.
	ConfigMapFile, SecretFile string
	// ConfigMapSource is the content of ConfigMapFile; when set, findings about a key
	// point at the key's line.
	ConfigMapSource []byte
	// ArgoCDVersion is the Argo CD release the configuration is for (the profile's
	// argocd.version); service types newer than it are findings. Empty means
	// MirroredArgoCDVersion.
	ArgoCDVersion string
	// Unreadable are inputs that could not be read from the cluster, such as a list of
	// Applications the user may not make: each is a RuleUnknown finding, and the checks it
	// would have fed are not made.
	Unreadable []Unreadable
	// RenderTimeout bounds each rendering of a template on a sample Application; 0 means
	// 2 seconds. A template that overruns is a finding, and its rendering is
	// abandoned (Go templates cannot be stopped: it ends in the background).
	RenderTimeout time.Duration
}

// Unreadable is an input of Lint that could not be read.
type Unreadable struct {
	// What names the checks that could not be made, e.g. "the subscriptions of the
	// Applications in namespace argocd-system".
	What string
	// Err is why it could not be read.
	Err error
}

// Unknown says how many findings of rep are checks that could not be made (RuleUnknown).
func Unknown(rep *policy.Report) int {
	n := 0
	for _, f := range rep.Findings {
		if f.Rule == RuleUnknown {
			n++
		}
	}
	return n
}

// Fails is rep.Fails(threshold) for the checks that were made: an unknown check neither
// passes nor fails.
func Fails(rep *policy.Report, threshold policy.Severity) bool {
	for _, f := range rep.Findings {
		if f.Rule != RuleUnknown && !f.Suppressed && f.Severity >= threshold {
			return true
		}
	}
	return false
}

// Lint finds every problem the notifications controller would trip on: each is a finding
// with a rule of LintRules. It never fails: unreadable parts are findings too. Values of
// the Secret never appear in a finding: see Redactor.
func Lint(cfg *Config, opts LintOptions) *policy.Report {
	l := &linter{cfg: cfg, opts: opts}
	l.run()
	rep := &policy.Report{Findings: l.findings}
	// A message may quote what a template or the engine made of a Secret value.
	NewRedactor(cfg.SecretData).Report(rep)
	rep.Summary.Objects = 2 + len(opts.Applications) + len(opts.AppProjects)
	rep.Count()
	return rep
}

type linter struct {
	cfg      *Config
	opts     LintOptions
	findings []policy.Finding

	services      map[string]Service // by name, readable ones
	triggers      map[string]Trigger
	templates     map[string]Template
	defaults      []string
	perSvc        map[string][]string
	sampleObjects []map[string]any
	// key is the ConfigMap key the findings being made are about; lines maps keys to
	// their lines in ConfigMapSource.
	key   string
	lines map[string]int
	// engine is the configuration's engine, nil when the engine rejects it.
	engine *Engine
	// reported holds the problems already reported, so that a template sent by several
	// conditions, or broken on several sample states, is one finding.
	reported map[string]bool
}

// first says whether the problem named by key is reported for the first time.
func (l *linter) first(key string) bool {
	if l.reported == nil {
		l.reported = map[string]bool{}
	}
	if l.reported[key] {
		return false
	}
	l.reported[key] = true
	return true
}

func (l *linter) cmRef() policy.ObjectRef {
	return policy.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: l.cfg.Namespace, Name: l.cfg.ConfigMapName}
}

func (l *linter) add(rule string, obj policy.ObjectRef, file string, format string, args ...any) {
	r := lintRule(rule)
	l.findings = append(l.findings, policy.Finding{
		Rule: r.ID, Severity: r.Severity, Message: fmt.Sprintf(format, args...),
		Remediation: r.Remediation, File: file, Object: obj,
	})
}

func (l *linter) cm(rule, format string, args ...any) {
	l.add(rule, l.cmRef(), l.opts.ConfigMapFile, format, args...)
	if line, ok := l.lines[l.key]; ok && l.key != "" {
		l.findings[len(l.findings)-1].Line = line
	}
}

func (l *linter) run() {
	for _, s := range sampleApplications {
		l.sampleObjects = append(l.sampleObjects, s.object())
	}
	l.lines = keyLines(l.opts.ConfigMapSource)
	eng, engErr := NewEngine(l.cfg, EngineOptions{RenderTimeout: l.opts.RenderTimeout})
	l.engine = eng
	l.size()
	l.unknownKeys()
	l.lintServices()
	l.lintTemplates()
	l.lintTriggers()
	l.lintDefaults()
	l.lintContext()
	l.lintGlobalSubscriptions()
	for _, a := range l.opts.Applications {
		ref := policy.ObjectRef{APIVersion: argocdmanaged.APIVersion, Kind: argocdmanaged.KindApplication, Namespace: a.Object.Namespace, Name: a.Object.Name}
		l.lintAnnotations(a.Object.Annotations, ref, a.File)
	}
	for _, p := range l.opts.AppProjects {
		ref := policy.ObjectRef{APIVersion: argocdmanaged.APIVersion, Kind: argocdmanaged.KindAppProject, Namespace: p.Object.Namespace, Name: p.Object.Name}
		l.lintAnnotations(p.Object.Annotations, ref, p.File)
	}
	l.key = ""
	for _, u := range l.opts.Unreadable {
		l.cm(RuleUnknown, "unknown: %s are not checked: %s", u.What, oneline.Fields(u.Err.Error()))
	}
	switch {
	case engErr != nil && l.cfg.SecretUnreadable != nil && !l.hasErrors():
		// Nothing else is wrong: whether the engine accepts the services with the Secret's
		// values cannot be told without them.
		l.cm(RuleUnknown, "unknown: whether the controller accepts the configuration is not checked: it depends on Secret %s, which could not be read (%s)", l.cfg.SecretName, oneline.Fields(l.cfg.SecretUnreadable.Error()))
	case engErr != nil:
		l.cm(RuleConfigRejected, "%v", engErr)
	}
	slices.SortStableFunc(l.findings, func(a, b policy.Finding) int {
		return strings.Compare(a.Object.Kind+a.Object.Name, b.Object.Kind+b.Object.Name)
	})
}

// hasErrors says whether an error finding has been made.
func (l *linter) hasErrors() bool {
	for _, f := range l.findings {
		if f.Severity == policy.SeverityError {
			return true
		}
	}
	return false
}

func (l *linter) size() {
	l.key = ""
	n := 0
	for k, v := range l.cfg.Data {
		n += len(k) + len(v)
	}
	if n > MaxConfigMapBytes {
		l.cm(RuleConfigMapSize, "the ConfigMap holds %d bytes of data; the API server refuses more than %d", n, MaxConfigMapBytes)
	}
}

// misspelt are prefixes people write for the real ones.
var misspelt = map[string]string{
	"services.": ServicePrefix, "triggers.": TriggerPrefix, "templates.": TemplatePrefix,
	"default-triggers": DefaultTriggersKey, "defaulttriggers": DefaultTriggersKey, "subscription": SubscriptionsKey,
	"contexts": ContextKey, "trigger-": TriggerPrefix, "template-": TemplatePrefix, "service-": ServicePrefix,
}

func (l *linter) unknownKeys() {
	for _, k := range l.cfg.UnknownKeys() {
		l.key = k
		for wrong, right := range misspelt {
			if strings.HasPrefix(strings.ToLower(k), wrong) {
				l.cm(RuleUnknownKey, "key %q is ignored by Argo CD; did you mean %q?", k, right+strings.TrimPrefix(strings.ToLower(k), wrong))
				break
			}
		}
	}
}

// requiredFields are the options without which a service cannot send, per type.
var requiredFields = map[string][]string{
	"email":           {"host", "port", "from"},
	"slack":           {"token"},
	"webhook":         {"url"},
	"teams":           {"recipientUrls"},
	"mattermost":      {"apiURL", "token"},
	"opsgenie":        {"apiUrl", "apiKeys"},
	"pagerdutyv2":     {"serviceKeys"},
	"googlechat":      {"webhooks"},
	"telegram":        {"token"},
	"alertmanager":    {"targets"},
	"github":          {"appID", "installationID", "privateKey"},
	"pagerduty":       {"token", "serviceId"},
	"awssqs":          {"queue", "region"},
	"gcppubsub":       {"project", "topic"},
	"nats":            {"url"},
	"teams-workflows": {"recipientUrls"},
	"rocketchat":      {"email", "password"},
	"webex":           {"token"},
	"pushover":        {"token"},
	"newrelic":        {"apiKey"},
	"grafana":         {"apiUrl", "apiKey"},
}

// credentialFields hold secrets: a literal value there is a credential in a ConfigMap.
var credentialFields = []string{"password", "token", "apiKey", "apiKeys", "privateKey", "bearerToken", "signingSecret", "recipientUrls", "webhooks", "serviceKeys", "secret", "nkey"}

func (l *linter) lintServices() {
	l.services = map[string]Service{}
	for _, s := range l.cfg.Services() {
		l.key = s.Key
		if s.Err != nil {
			if strings.HasPrefix(s.Err.Error(), "invalid service key") {
				l.cm(RuleServiceKey, "%v", s.Err)
			} else {
				l.cm(RuleServiceYAML, "%v", s.Err)
			}
			continue
		}
		if !isServiceType(s.Type) {
			l.cm(RuleServiceType, "service %s has type %q, which notifications-engine does not know (known: %s)", s.Key, s.Type, strings.Join(ServiceTypes, ", "))
			continue
		}
		if since, ok := serviceTypeSince[s.Type]; ok && l.opts.ArgoCDVersion != "" && versionLess(l.opts.ArgoCDVersion, since) {
			l.cm(RuleServiceTypeNewer, "service %s has type %s, which Argo CD %s does not know (it came with Argo CD %s): that controller rejects the whole configuration", s.Key, s.Type, l.opts.ArgoCDVersion, since)
		}
		if prev, ok := l.services[s.Name]; ok {
			l.cm(RuleServiceDuplicate, "services %s and %s are both called %q; the engine keeps only one", prev.Key, s.Key, s.Name)
		}
		l.services[s.Name] = s
		for _, f := range requiredFields[s.Type] {
			if isEmptyValue(s.Options[f]) {
				l.cm(RuleServiceField, "service %s has no %s", s.Key, f)
			}
		}
		l.plaintext(s)
		if refs := SecretRefs(s.Raw); len(refs) > 0 && l.cfg.SecretUnreadable != nil {
			l.cm(RuleUnknown, "unknown: service %s reads $%s from Secret %s, which could not be read (%s): its credentials, and the fields they fill, are not checked", s.Key, strings.Join(refs, ", $"), l.cfg.SecretName, oneline.Fields(l.cfg.SecretUnreadable.Error()))
			continue
		}
		l.secretRefs(s)
		// The engine's own decoder, on the value with references resolved: a port written
		// as "465" or a map written as a list fails here exactly as in the controller.
		if resolved, err := resolveRefs(s.Raw, l.cfg.SecretData); err == nil {
			if _, err := newServiceSafely(s.Type, resolved); err != nil {
				l.cm(RuleServiceField, "service %s: the engine cannot read it: %v", s.Key, err)
			}
		}
		if s.Type == "email" {
			l.emailTLS(s)
		}
		if s.Type == "teams-workflows" {
			l.workflowURLs(s)
		}
		if u, ok := s.Options["apiUrl"].(string); ok && s.Type == "opsgenie" && strings.Contains(u, "://") {
			l.cm(RuleServiceField, "service %s has apiUrl %q: the Opsgenie client wants the host alone (api.opsgenie.com) and adds https:// itself", s.Key, u)
		}
	}
}

func newServiceSafely(serviceType string, resolved []byte) (svc services.NotificationService, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the engine failed on this service: %v", r)
		}
	}()
	return services.NewService(serviceType, resolved)
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func (l *linter) secretRefs(s Service) {
	for _, ref := range SecretRefs(s.Raw) {
		v, ok := l.cfg.SecretData[ref]
		switch {
		case !ok && !l.cfg.SecretExists:
			l.cm(RuleSecretRef, "service %s references $%s, but Secret %s does not exist", s.Key, ref, l.cfg.SecretName)
		case !ok:
			l.cm(RuleSecretRef, "service %s references $%s, but Secret %s has no key %q; the engine sends the text $%s instead", s.Key, ref, l.cfg.SecretName, ref, ref)
		case !utf8.Valid(v):
			l.cm(RuleSecretValue, "service %s references $%s, whose value in Secret %s is not UTF-8 text", s.Key, ref, l.cfg.SecretName)
		case strings.ContainsAny(string(v), "\r\n") && !strings.Contains(string(v), "PRIVATE KEY"):
			l.cm(RuleSecretValue, "service %s references $%s, whose value in Secret %s holds a line break (was it encoded with echo instead of echo -n?)", s.Key, ref, l.cfg.SecretName)
		}
	}
}

func (l *linter) plaintext(s Service) {
	check := func(path string, v any) {
		str, ok := v.(string)
		if ok && str != "" && !secretRefRE.MatchString(str) {
			l.cm(RuleSecretPlaintext, "service %s has %s written in the ConfigMap, readable by everyone who can read it", s.Key, path)
		}
	}
	for _, f := range credentialFields {
		switch v := s.Options[f].(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				check(f+"."+k, v[k])
			}
		default:
			check(f, v)
		}
	}
	if ba, ok := s.Options["basicAuth"].(map[string]any); ok {
		check("basicAuth.password", ba["password"])
	}
	if hs, ok := s.Options["headers"].([]any); ok {
		for _, h := range hs {
			if hm, ok := h.(map[string]any); ok {
				if name, _ := hm["name"].(string); strings.EqualFold(name, "Authorization") {
					check("the Authorization header", hm["value"])
				}
			}
		}
	}
}

// workflowURLs checks the resolved recipient URLs of a teams-workflows service: the engine
// refuses, at every send, to post to any other host than Power Automate's.
func (l *linter) workflowURLs(s Service) {
	m, _ := s.Options["recipientUrls"].(map[string]any)
	for _, r := range slices.Sorted(maps.Keys(m)) {
		raw, _ := m[r].(string)
		resolved := secretRefRE.ReplaceAllStringFunc(raw, func(ref string) string {
			if v, ok := l.cfg.SecretData[strings.TrimPrefix(ref, "$")]; ok {
				return string(v)
			}
			return ref
		})
		if resolved != raw && strings.HasPrefix(resolved, "$") {
			continue // a missing reference: reported by the secret rules
		}
		if !teamsWorkflowsURL.MatchString(resolved) {
			l.cm(RuleServiceField, "service %s: the URL of recipient %s is not a Teams Workflows (Power Automate) URL; the engine refuses to post to it (for an Office 365 connector use service.teams)", s.Key, r)
		}
	}
}

func (l *linter) emailTLS(s Service) {
	port, ok := toInt(s.Options["port"])
	if !ok {
		return
	}
	user, _ := s.Options["username"].(string)
	pass, _ := s.Options["password"].(string)
	if port == 465 && (user == "" || pass == "") {
		l.cm(RuleEmailTLS, "service %s uses port 465 (implicit TLS) without username and password: the engine then connects in plain text and the server never answers", s.Key)
	}
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), x == float64(int(x))
	case int:
		return x, true
	case int64:
		return int(x), true
	}
	return 0, false
}

// resolveRefs replaces $key references as the engine does, on a copy.
func resolveRefs(raw string, secret map[string][]byte) ([]byte, error) {
	cfg, err := yamlReplace(raw, secret)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

func templateFuncs() map[string]any {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	return f
}

func (l *linter) lintTemplates() {
	l.templates = map[string]Template{}
	funcs := templateFuncs()
	for _, t := range l.cfg.Templates() {
		l.key = t.Key
		if t.Err != nil {
			l.cm(RuleTemplateYAML, "%v", t.Err)
			continue
		}
		// An engine that was built has parsed every template already; only a rejected
		// configuration needs each one parsed to find the broken ones.
		if l.engine == nil {
			if _, err := getTemplaterSafely(&t.Notification, t.Name, funcs); err != nil {
				l.cm(RuleTemplateParse, "template %s: %v", t.Name, err)
				continue
			}
		}
		l.templates[t.Name] = t
		l.templateKeys(t)
		if cycle := templateRecursion(t.Raw); cycle != "" {
			l.cm(RuleTemplateRecursion, "template %s: %s with the same data: the engine recurses until Go's limit of 100,000 nested calls, and the notification is not sent", t.Name, cycle)
		}
		for svc := range t.Notification.Webhook {
			if s, ok := l.services[svc]; !ok || s.Type != "webhook" {
				l.cm(RuleTemplateWebhook, "template %s has a webhook section for %q, which is not a webhook service; it is ignored", t.Name, svc)
			}
		}
	}
}

func getTemplaterSafely(n *services.Notification, name string, funcs map[string]any) (t services.Templater, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the engine failed on this template: %v", r)
		}
	}()
	return n.GetTemplater(name, funcs)
}

var unguardedOp = regexp.MustCompile(`app\.status\.operationState\.[A-Za-z]`)
var opGuards = []string{"app.status.operationState != nil", "app.status?.operationState?.", "app.status?.operationState != nil", "app.status.operationState?."}

// guarded says whether every unguarded operationState access in e comes after a guard.
func guarded(e string) bool {
	loc := unguardedOp.FindStringIndex(e)
	if loc == nil {
		return true
	}
	for _, g := range opGuards {
		if i := strings.Index(e, g); i >= 0 && i < loc[0] {
			return true
		}
	}
	return false
}

func (l *linter) lintTriggers() {
	l.triggers = map[string]Trigger{}
	used := map[string]bool{}
	eng := l.engine
	if eng == nil {
		eng = newSampleEngine(l.cfg, l.templates, l.opts.RenderTimeout)
	}
	for _, t := range l.cfg.Triggers() {
		l.key = t.Key
		if t.Err != nil {
			l.cm(RuleTriggerYAML, "%v", t.Err)
			continue
		}
		l.triggers[t.Name] = t
		l.conditionKeys(t)
		if len(t.Conditions) == 0 {
			l.cm(RuleTriggerEmpty, "trigger %s has no conditions", t.Name)
		}
		for i, c := range t.Conditions {
			where := fmt.Sprintf("trigger %s, condition %d", t.Name, i)
			if strings.TrimSpace(c.When) == "" {
				l.cm(RuleTriggerEmpty, "%s has no when: it never fires", where)
			}
			if len(c.Send) == 0 {
				l.cm(RuleTriggerEmpty, "%s sends no template", where)
			}
			for _, tmpl := range c.Send {
				used[tmpl] = true
				if _, ok := l.templates[tmpl]; !ok {
					if _, exists := l.cfg.Data[TemplatePrefix+tmpl]; exists {
						continue // broken template: reported by the template rules
					}
					l.cm(RuleTriggerTemplate, "%s sends template %q, which does not exist", where, tmpl)
				}
			}
			whenOK, onceOK := true, true
			if _, err := expr.Compile(text.Coalesce(c.When, "false")); err != nil {
				l.cm(RuleTriggerWhen, "%s: when does not compile: %s", where, oneline.Fields(err.Error()))
				whenOK = false
			}
			if c.OncePer != "" {
				if _, err := expr.Compile(c.OncePer); err != nil {
					l.cm(RuleTriggerOncePer, "%s: oncePer does not compile: %s", where, oneline.Fields(err.Error()))
					onceOK = false
				}
			}
			if !guarded(c.When) || !guarded(c.OncePer) {
				l.cm(RuleTriggerNilGuard, "%s reads app.status.operationState fields without a nil guard: it fails on every Application that has not synced yet", where)
			}
			if whenOK && onceOK && eng != nil {
				l.sampleRun(eng, where, c.When, c.Send)
			}
		}
	}
	for name := range l.templates {
		l.key = TemplatePrefix + name
		if !used[name] {
			l.cm(RuleTemplateUnused, "template %s is not sent by any trigger", name)
		}
	}
}

// sampleRun evaluates a condition on typical Applications: an error there is an error the
// controller logs on every evaluation, and an error on every one means the condition can
// never fire; a template that fails where the condition is true fails on a real
// notification. Each problem is one finding, naming the first sample it shows on.
func (l *linter) sampleRun(eng *Engine, where, when string, send []string) {
	prog, err := expr.Compile(text.Coalesce(when, "false"))
	if err != nil {
		return
	}
	var failed []string
	var firstErr error
	var fired []int
	for i, s := range sampleApplications {
		v, err := runSafely(prog, eng.Vars(l.sampleObjects[i], services.Destination{}))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			failed = append(failed, s.name)
			continue
		}
		isTrue, isBool := v.(bool)
		if !isBool {
			l.cm(RuleTriggerWhen, "%s returns %T, not a boolean: it never fires", where, v)
			return
		}
		if isTrue {
			fired = append(fired, i)
		}
	}
	switch {
	case len(failed) == len(sampleApplications):
		l.cm(RuleTriggerNeverFires, "%s fails on every typical Application, so it can never fire: %s", where, oneline.Fields(firstErr.Error()))
		return
	case len(failed) > 0:
		l.cm(RuleTriggerRuntime, "%s fails on %s: %s", where, failed[0], oneline.Fields(firstErr.Error()))
	}
	for _, i := range fired {
		for _, tmpl := range send {
			if t, ok := l.templates[tmpl]; ok {
				l.sampleRender(eng, t, where, i)
			}
		}
	}
}

// sampleRender renders a template on sample i for the kinds of destination it can go to,
// and reports what fails, what renders "<no value>" (naming the field) and payloads that
// are not JSON.
func (l *linter) sampleRender(eng *Engine, t Template, where string, i int) {
	obj, name := l.sampleObjects[i], sampleApplications[i].name
	dests := []services.Destination{{Service: "email", Recipient: "recipient"}, {Service: "slack", Recipient: "recipient"}, {Service: "teams", Recipient: "recipient"}}
	for _, svc := range slices.Sorted(maps.Keys(t.Notification.Webhook)) {
		if s, ok := l.services[svc]; ok && s.Type == "webhook" {
			dests = append(dests, services.Destination{Service: svc})
		}
	}
	for _, d := range dests {
		n, err := eng.Render(obj, []string{t.Name}, d)
		switch {
		case errors.Is(err, ErrTemplateRecursion):
			return // reported with the template
		case errors.Is(err, ErrRenderBudget):
			if l.first("render|" + t.Name) {
				l.cm(RuleTemplateBudget, "template %s, sent by %s, on %s: %s", t.Name, where, name, oneline.Fields(err.Error()))
			}
			return
		}
		if err != nil {
			if l.first("render|" + t.Name) {
				l.cm(RuleTemplateRender, "template %s, sent by %s, fails to render on %s: %s", t.Name, where, name, oneline.Fields(err.Error()))
			}
			return
		}
		if hasNoValue(n) && l.first("novalue|"+t.Name) {
			vars := eng.Vars(obj, d)
			vars["serviceType"], vars["recipient"] = d.Service, d.Recipient
			if field, in := missingField(t.Raw, vars); field != "" {
				l.cm(RuleTemplateRender, "template %s, sent by %s, renders \"<no value>\" for %s (in %s) on %s: the field is missing", t.Name, where, field, in, name)
			} else {
				l.cm(RuleTemplateRender, "template %s, sent by %s, renders \"<no value>\" on %s: a field it reads is missing", t.Name, where, name)
			}
		}
		webhookJSON := false
		if s, ok := l.services[d.Service]; ok && s.Type == "webhook" {
			webhookJSON = jsonWebhook(s)
		}
		if field, err := payloadProblem(n, "", d.Service, webhookJSON); err != nil && l.first("json|"+t.Name+"|"+field) {
			l.cm(RuleTemplateJSON, "template %s: %s is not JSON once rendered on %s (%s): the service refuses to send it", t.Name, field, name, oneline.Fields(err.Error()))
		}
	}
}

func runSafely(prog *vm.Program, vars map[string]any) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return expr.Run(prog, vars)
}

// newSampleEngine builds an engine for the sample runs of a configuration the engine
// rejects, from its readable templates and context only, so that a broken service does not
// hide template problems; nil when even that fails.
func newSampleEngine(cfg *Config, templates map[string]Template, timeout time.Duration) *Engine {
	trial := &Config{Namespace: cfg.Namespace, ConfigMapName: cfg.ConfigMapName, SecretName: cfg.SecretName, Data: map[string]string{}, SecretData: cfg.SecretData}
	for _, t := range templates {
		trial.Data[t.Key] = t.Raw
	}
	if _, err := cfg.Context(); err == nil {
		if v, ok := cfg.Data[ContextKey]; ok {
			trial.Data[ContextKey] = v
		}
	}
	e, err := NewEngine(trial, EngineOptions{RenderTimeout: timeout})
	if err != nil {
		return nil
	}
	return e
}

func (l *linter) lintDefaults() {
	l.key = DefaultTriggersKey
	defaults, err := l.cfg.DefaultTriggers()
	if err != nil {
		l.cm(RuleDefaultTriggers, "%v", err)
	}
	l.defaults = defaults
	for _, t := range defaults {
		if _, ok := l.triggers[t]; !ok {
			l.cm(RuleDefaultTriggers, "defaultTriggers names trigger %q, which does not exist", t)
		}
	}
	per, errs := l.cfg.ServiceDefaultTriggers()
	for _, name := range slices.Sorted(maps.Keys(errs)) {
		l.key = DefaultTriggersPrefix + name
		l.cm(RuleDefaultTriggers, "%v", errs[name])
	}
	l.perSvc = per
	for _, svc := range slices.Sorted(maps.Keys(per)) {
		l.key = DefaultTriggersPrefix + svc
		if _, ok := l.services[svc]; !ok {
			l.cm(RuleDefaultTriggers, "defaultTriggers.%s is for service %q, which does not exist", svc, svc)
		}
		for _, t := range per[svc] {
			if _, ok := l.triggers[t]; !ok {
				l.cm(RuleDefaultTriggers, "defaultTriggers.%s names trigger %q, which does not exist", svc, t)
			}
		}
	}
}

func (l *linter) lintContext() {
	l.key = ContextKey
	if _, err := l.cfg.Context(); err != nil {
		l.cm(RuleContext, "%v; Argo CD then rejects the whole configuration", err)
	}
}

func (l *linter) lintGlobalSubscriptions() {
	l.key = SubscriptionsKey
	subs, err := l.cfg.Subscriptions()
	if err != nil {
		l.cm(RuleSubscriptionsKey, "%v", err)
		return
	}
	for i, s := range subs {
		for _, t := range s.Triggers {
			if _, ok := l.triggers[t]; !ok {
				l.cm(RuleSubscriptionsKey, "subscriptions[%d] names trigger %q, which does not exist", i, t)
			}
		}
		if len(s.Triggers) == 0 && len(l.defaults) == 0 {
			l.cm(RuleSubscriptionsKey, "subscriptions[%d] names no trigger and there are no defaultTriggers: it sends nothing", i)
		}
		for _, r := range s.Recipients {
			svc, _, _ := strings.Cut(r, ":")
			if _, ok := l.services[svc]; !ok {
				l.cm(RuleSubscriptionsKey, "subscriptions[%d] recipient %q names service %q, which does not exist", i, r, svc)
			}
		}
	}
}

// subscribeAnnotationPrefix starts every subscription annotation.
const subscribeAnnotationPrefix = "notifications.argoproj.io/subscribe."

// subscriptionsAnnotation is the YAML form of subscriptions on one annotation.
const subscriptionsAnnotation = "notifications.argoproj.io/subscriptions"

func (l *linter) lintAnnotations(ann map[string]string, ref policy.ObjectRef, file string) {
	for _, k := range slices.Sorted(maps.Keys(ann)) {
		v := ann[k]
		if k == subscriptionsAnnotation || strings.HasPrefix(k, subscriptionsAnnotation) {
			var subs []subscriptions.Subscription
			if err := yaml.Unmarshal([]byte(v), &subs); err != nil {
				l.add(RuleSubscriptionsKey, ref, file, "annotation %s is not a YAML list of {trigger, destinations}: %v", k, err)
				continue
			}
			for _, s := range subs {
				for _, d := range s.Destinations {
					for _, t := range s.Trigger {
						l.checkSubscription(ref, file, k, t, d.Service, d.Recipients)
					}
				}
			}
			continue
		}
		if !strings.HasPrefix(k, subscribeAnnotationPrefix) {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(k, subscribeAnnotationPrefix), ".")
		if len(parts) > 2 {
			l.add(RuleSubscriptionDotted, ref, file, "annotation %s has %d dot-separated names after subscribe.; the engine reads trigger %q and service %q and ignores the rest", k, len(parts), parts[0], parts[1])
			continue
		}
		recipients := parseRecipients(v)
		if len(parts) == 1 {
			triggers := l.defaults
			if t, ok := l.perSvc[parts[0]]; ok {
				triggers = t
			}
			if len(triggers) == 0 {
				l.add(RuleSubscriptionDefault, ref, file, "annotation %s names no trigger, and there are no defaultTriggers for service %q: nothing is sent", k, parts[0])
			}
			l.checkSubscription(ref, file, k, "", parts[0], recipients)
			continue
		}
		l.checkSubscription(ref, file, k, parts[0], parts[1], recipients)
	}
}

func (l *linter) checkSubscription(ref policy.ObjectRef, file, key, trigger, service string, recipients []string) {
	if trigger != "" {
		if _, ok := l.triggers[trigger]; !ok {
			l.add(RuleSubscriptionTrigger, ref, file, "annotation %s subscribes to trigger %q, which does not exist", key, trigger)
		}
	}
	svc, ok := l.services[service]
	if !ok {
		l.add(RuleSubscriptionService, ref, file, "annotation %s uses service %q, which does not exist", key, service)
		return
	}
	if len(recipients) == 0 && !recipientOptional[svc.Type] {
		l.add(RuleSubscriptionRecipient, ref, file, "annotation %s has no recipient; %s needs one", key, svc.Type)
	}
	for _, r := range recipients {
		if p := recipientProblem(svc, r); p != "" {
			l.add(RuleSubscriptionRecipient, ref, file, "annotation %s: %s", key, p)
		}
	}
}

// recipientProblem says why svc cannot deliver to recipient r, or "" when it can.
func recipientProblem(svc Service, r string) string {
	if r == "" {
		if recipientOptional[svc.Type] {
			return ""
		}
		return fmt.Sprintf("no recipient; %s needs one", svc.Type)
	}
	switch svc.Type {
	case "email":
		for _, addr := range strings.Split(r, ",") {
			if _, err := mail.ParseAddress(strings.TrimSpace(addr)); err != nil {
				return fmt.Sprintf("recipient %q is not an email address", addr)
			}
		}
	case "teams", "teams-workflows", "googlechat", "pagerdutyv2", "opsgenie":
		field := keyedFields[svc.Type]
		m, _ := svc.Options[field].(map[string]any)
		if _, ok := m[r]; !ok {
			return fmt.Sprintf("recipient %q is not in %s of service %s", r, field, svc.Key)
		}
	}
	return ""
}

// recipientOptional are the service types that deliver without a recipient: to their
// configured URL, queue, topic or commit.
var recipientOptional = map[string]bool{"webhook": true, "github": true, "alertmanager": true, "awssqs": true, "gcppubsub": true, "grafana": true}

// versionLess compares two releases written vMAJOR.MINOR.PATCH; anything unreadable
// compares as not less, so that an odd tag never causes a finding.
func versionLess(a, b string) bool {
	pa, oka := parseVersion(a)
	pb, okb := parseVersion(b)
	if !oka || !okb {
		return false
	}
	for i := range pa {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return false
}

func parseVersion(v string) ([3]int, bool) {
	var out [3]int
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		n := 0
		for j := 0; j < len(p) && p[j] >= '0' && p[j] <= '9'; j++ {
			n = n*10 + int(p[j]-'0')
		}
		out[i] = n
	}
	return out, true
}

func parseRecipients(v string) []string {
	var out []string
	for _, r := range strings.Split(v, ";") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// hasNoValue says whether a rendered notification shows text/template's "<no value>",
// the mark of a field that was missing.
func hasNoValue(n *services.Notification) bool {
	data, err := json.Marshal(n)
	return err == nil && strings.Contains(string(data), `\u003cno value\u003e`)
}

var dataKeyLine = regexp.MustCompile(`^\s+["']?([A-Za-z0-9._-]+)["']?\s*:(\s|$)`)

// keyLines maps the keys of a ConfigMap manifest's data to their 1-based lines: the first
// indented occurrence after a `data:` line.
func keyLines(src []byte) map[string]int {
	out := map[string]int{}
	inData, indent := false, -1
	for i, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "data:") {
			inData, indent = true, -1
			continue
		}
		if !inData {
			continue
		}
		if line != "" && line[0] != ' ' && line[0] != '#' {
			inData = strings.HasPrefix(line, "data:")
			continue
		}
		m := dataKeyLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		// Keys of data share the indentation of the first; deeper lines are values.
		ind := len(line) - len(strings.TrimLeft(line, " "))
		if indent < 0 {
			indent = ind
		}
		if _, seen := out[m[1]]; !seen && ind == indent {
			out[m[1]] = i + 1
		}
	}
	return out
}
