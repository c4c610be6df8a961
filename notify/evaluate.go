package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/argoproj/notifications-engine/pkg/api"
	"github.com/argoproj/notifications-engine/pkg/controller"
	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/argoproj/notifications-engine/pkg/subscriptions"
	"github.com/argoproj/notifications-engine/pkg/triggers"
	"github.com/argoproj/notifications-engine/pkg/util/text"
	"github.com/expr-lang/expr"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/oneline"
)

// EvaluateOptions select what Evaluate does.
type EvaluateOptions struct {
	// Trigger limits the evaluation to one trigger; empty means every subscribed trigger.
	Trigger string
	// Send delivers the notifications whose condition is true through the real services.
	Send bool
	// IgnoreConditions renders (and with Send, sends) every subscribed notification, true
	// condition or not: to try a service or a template.
	IgnoreConditions bool
	// ShowSecrets keeps the values of the Secret in the rendered notifications. By default
	// they are redacted there as everywhere else; errors are redacted either way.
	ShowSecrets bool
	// SendTimeout bounds each delivery with Send; zero means 30 seconds.
	SendTimeout time.Duration
	// ProjectUnreadable is why the Application's AppProject could not be read, nil when it
	// was: its subscriptions are then unknown (Evaluation.Unknown).
	ProjectUnreadable error
	// Engine options: AppProjects and the clock.
	EngineOptions
}

// Evaluation is what the controller would do for one Application now.
type Evaluation struct {
	Application string          `json:"application"`
	Triggers    []TriggerResult `json:"triggers"`
	// Unknown are what could not be told because an input could not be read (the
	// AppProject's subscriptions): neither passed nor failed.
	Unknown []string `json:"unknown,omitempty"`
}

// IsUnknown says whether part of the evaluation could not be made: an unknown AppProject,
// or a delivery whose credentials could not be read.
func (e *Evaluation) IsUnknown() bool {
	if len(e.Unknown) > 0 {
		return true
	}
	for _, t := range e.Triggers {
		for _, d := range t.Deliveries {
			if d.Unknown != "" {
				return true
			}
		}
	}
	return false
}

// TriggerResult is one trigger's conditions and the notifications it would send.
type TriggerResult struct {
	Trigger string `json:"trigger"`
	// Error is set when the trigger cannot be run, for example because it does not exist.
	Error      string            `json:"error,omitempty"`
	Conditions []ConditionResult `json:"conditions"`
	Deliveries []Delivery        `json:"deliveries"`
}

// ConditionResult is one condition of a trigger.
type ConditionResult struct {
	Index       int    `json:"index"`
	Description string `json:"description,omitempty"`
	When        string `json:"when"`
	Triggered   bool   `json:"triggered"`
	// Error is why the condition could not be evaluated; the controller then treats it
	// as false and logs the error.
	Error string `json:"error,omitempty"`
	// OncePer is the value of the oncePer expression: a notification is sent once per
	// distinct value.
	OncePer   string   `json:"oncePer,omitempty"`
	Templates []string `json:"templates"`
}

// Delivery is one notification for one recipient.
type Delivery struct {
	Condition int    `json:"condition"`
	Service   string `json:"service"`
	// ServiceType is the type of the service (email, slack, ...); empty when the service
	// does not exist.
	ServiceType string `json:"serviceType"`
	Recipient   string `json:"recipient"`
	// Triggered says whether the controller would send it now.
	Triggered bool `json:"triggered"`
	// AlreadyNotified says that the Application's notified annotation records it as
	// sent, so the controller would not send it again.
	AlreadyNotified bool                   `json:"alreadyNotified"`
	Templates       []string               `json:"templates"`
	Notification    *services.Notification `json:"notification,omitempty"`
	RenderError     string                 `json:"renderError,omitempty"`
	// Undeliverable says why the controller could not deliver this notification although
	// it renders: no such service, a recipient the service cannot use, a payload the
	// service refuses. Empty when the engine would deliver it.
	Undeliverable string `json:"undeliverable,omitempty"`
	// Unknown says why it cannot be told whether the engine would deliver it (the Secret
	// holding the service's credentials could not be read); empty when it can.
	Unknown string `json:"unknown,omitempty"`
	// Notes are things to know about the rendered message, such as the placeholders of
	// the helpers that need Argo CD's repo server.
	Notes     []string `json:"notes,omitempty"`
	Sent      bool     `json:"sent"`
	SendError string   `json:"sendError,omitempty"`
}

// RenderFailed says whether any notification failed to render.
func (e *Evaluation) RenderFailed() bool {
	return e.anyDelivery(func(d *Delivery) bool { return d.RenderError != "" })
}

// Undeliverable says whether any notification that renders could not be delivered.
func (e *Evaluation) Undeliverable() bool {
	return e.anyDelivery(func(d *Delivery) bool { return d.Undeliverable != "" })
}

// SendFailed says whether any notification failed to send.
func (e *Evaluation) SendFailed() bool {
	return e.anyDelivery(func(d *Delivery) bool { return d.SendError != "" })
}

// anyDelivery says whether f holds for a delivery of any trigger.
func (e *Evaluation) anyDelivery(f func(d *Delivery) bool) bool {
	for _, t := range e.Triggers {
		for i := range t.Deliveries {
			if f(&t.Deliveries[i]) {
				return true
			}
		}
	}
	return false
}

// destinationsOf gives the subscriptions of an Application as the controller merges them:
// the ConfigMap's subscriptions, the Application's annotations and its AppProject's.
func destinationsOf(cfg *Config, app *argocdmanaged.Application, project *argocdmanaged.AppProject) (services.Destinations, error) {
	defaults, err := cfg.DefaultTriggers()
	if err != nil {
		return nil, err
	}
	perService, errs := cfg.ServiceDefaultTriggers()
	for _, e := range errs {
		return nil, e
	}
	subs, err := cfg.Subscriptions()
	if err != nil {
		return nil, err
	}
	global := api.Config{Subscriptions: subs, DefaultTriggers: defaults}.GetGlobalDestinations(app.Labels)
	global.Merge(subscriptions.NewAnnotations(app.Annotations).GetDestinations(defaults, perService))
	if project != nil {
		global.Merge(subscriptions.NewAnnotations(project.Annotations).GetDestinations(defaults, perService))
	}
	return global.Dedup(), nil
}

// Evaluate runs every subscribed trigger (or opts.Trigger) of an Application with the
// engine, renders the notification for each recipient and, with opts.Send, sends it.
// Values of the Secret are redacted from the result (see Redactor): from errors always,
// from the rendered notifications unless opts.ShowSecrets.
func Evaluate(ctx context.Context, cfg *Config, app *argocdmanaged.Application, opts EvaluateOptions) (*Evaluation, error) {
	red := NewRedactor(cfg.SecretData)
	ev, err := evaluate(ctx, cfg, app, opts)
	if err != nil {
		return nil, red.Error(err)
	}
	if err := ev.redact(red, opts.ShowSecrets); err != nil {
		return nil, err
	}
	return ev, nil
}

// redact replaces Secret values in every error and value of the evaluation, and in the
// rendered notifications unless showSecrets.
func (e *Evaluation) redact(red *Redactor, showSecrets bool) error {
	if !red.Active() {
		return nil
	}
	for i := range e.Triggers {
		t := &e.Triggers[i]
		t.Error = red.String(t.Error)
		for j := range t.Conditions {
			c := &t.Conditions[j]
			c.Error, c.OncePer = red.String(c.Error), red.String(c.OncePer)
		}
		for j := range t.Deliveries {
			d := &t.Deliveries[j]
			d.RenderError, d.SendError, d.Undeliverable = red.String(d.RenderError), red.String(d.SendError), red.String(d.Undeliverable)
			d.Unknown = red.String(d.Unknown)
			if showSecrets {
				continue
			}
			n, err := red.Notification(d.Notification)
			if err != nil {
				return err
			}
			d.Notification = n
		}
	}
	return nil
}

func evaluate(ctx context.Context, cfg *Config, app *argocdmanaged.Application, opts EvaluateOptions) (*Evaluation, error) {
	var project *argocdmanaged.AppProject
	for _, p := range opts.Projects {
		if p.Name == projectName(app) {
			project = p
		}
	}
	eng, err := NewEngine(cfg, opts.EngineOptions)
	if err != nil && cfg.SecretUnreadable != nil {
		return nil, fmt.Errorf("cannot tell what the controller would do: the engine needs the values of Secret %s, which could not be read (%w)", cfg.SecretName, cfg.SecretUnreadable)
	}
	if err != nil {
		return nil, err
	}
	eng.serviceTypes = map[string]string{}
	eng.services = map[string]Service{}
	for _, s := range cfg.Services() {
		if s.Err == nil {
			eng.serviceTypes[s.Name] = s.Type
			eng.services[s.Name] = s
		}
	}
	dests, err := destinationsOf(cfg, app, project)
	if err != nil {
		return nil, err
	}
	obj, err := toMap(app)
	if err != nil {
		return nil, err
	}
	notified := notifiedState(app)

	names := opts.Trigger
	var list []string
	if names != "" {
		list = []string{names}
	} else {
		for t := range dests {
			list = append(list, t)
		}
		slices.Sort(list)
	}
	out := &Evaluation{Application: app.Name, Triggers: []TriggerResult{}}
	if opts.ProjectUnreadable != nil {
		out.Unknown = append(out.Unknown, fmt.Sprintf("the subscriptions of AppProject %s are unknown: it could not be read (%s); only those of the Application and the ConfigMap are shown", projectName(app), oneline.Fields(opts.ProjectUnreadable.Error())))
	}
	eng.secretUnreadable = cfg.SecretUnreadable
	for _, name := range list {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out.Triggers = append(out.Triggers, eng.evaluateTrigger(ctx, name, obj, dests[name], notified, opts))
	}
	return out, nil
}

func (e *Engine) evaluateTrigger(ctx context.Context, name string, obj map[string]any, dests []services.Destination, notified map[string]int64, opts EvaluateOptions) TriggerResult {
	tr := TriggerResult{Trigger: name, Conditions: []ConditionResult{}, Deliveries: []Delivery{}}
	conds, ok := e.Config.Triggers[name]
	if !ok {
		tr.Error = fmt.Sprintf("trigger %q is not configured in the ConfigMap", name)
		return tr
	}
	results, err := e.API.RunTrigger(name, obj)
	if err != nil {
		tr.Error = err.Error()
		return tr
	}
	vars := e.Vars(obj, services.Destination{})
	for i, r := range results {
		c := ConditionResult{Index: i, When: conds[i].When, Description: conds[i].Description, Triggered: r.Triggered, OncePer: r.OncePer, Templates: r.Templates}
		if !r.Triggered {
			c.Error = conditionError(conds[i], vars)
		}
		tr.Conditions = append(tr.Conditions, c)
		if !r.Triggered && !opts.IgnoreConditions {
			continue
		}
		for _, d := range dests {
			del := Delivery{Condition: i, Service: d.Service, ServiceType: e.serviceTypes[d.Service], Recipient: d.Recipient, Triggered: r.Triggered, Templates: r.Templates}
			_, del.AlreadyNotified = notified[controller.StateItemKey(false, "", name, r, d)]
			e.repoServerCalls = 0
			n, err := e.Render(obj, r.Templates, d)
			if err != nil {
				del.RenderError = err.Error()
			} else {
				del.Notification = n
				del.Undeliverable = e.undeliverable(n, d)
				if svc, ok := e.services[d.Service]; ok && del.Undeliverable == "" && e.secretUnreadable != nil && len(SecretRefs(svc.Raw)) > 0 {
					del.Unknown = fmt.Sprintf("service %s reads $%s from the notifications Secret, which could not be read (%s): whether it can deliver is unknown", svc.Key, strings.Join(SecretRefs(svc.Raw), ", $"), oneline.Fields(e.secretUnreadable.Error()))
				}
			}
			if e.repoServerCalls > 0 {
				del.Notes = append(del.Notes, fmt.Sprintf("the message calls GetCommitMetadata or GetAppDetails, which need Argo CD's repo server: it shows %s where the controller puts the commit or source details", RepoServerPlaceholder))
			}
			if opts.Send && del.RenderError == "" && del.Unknown == "" && ctx.Err() == nil {
				if err := e.send(ctx, opts.SendTimeout, obj, r.Templates, d); err != nil {
					del.SendError = err.Error()
				} else {
					del.Sent = true
				}
			}
			tr.Deliveries = append(tr.Deliveries, del)
		}
	}
	return tr
}

// undeliverable says why the engine could not deliver a rendered notification to d, or
// "" when it would.
func (e *Engine) undeliverable(n *services.Notification, d services.Destination) string {
	if d.Service == "" {
		return fmt.Sprintf("the subscription names no service (a subscriptions recipient without \"service:\", or an annotation destination without service), so the engine makes a destination with an empty service name for recipient %q; the controller fails to send it", d.Recipient)
	}
	svc, ok := e.services[d.Service]
	if !ok {
		return fmt.Sprintf("service %q is not defined in the ConfigMap (no service.* key of that name)", d.Service)
	}
	if p := recipientProblem(svc, d.Recipient); p != "" {
		return p
	}
	if field, err := payloadProblem(n, svc.Type, d.Service, svc.Type == "webhook" && jsonWebhook(svc)); err != nil {
		return fmt.Sprintf("%s is not JSON (%s): %s refuses to send it", field, oneline.Fields(err.Error()), svc.Type)
	}
	if svc.Type == "newrelic" && n.Newrelic == nil {
		return "the template has no newrelic section: the newrelic service refuses to send without one"
	}
	if svc.Type == "email" && n.Email == nil && n.Message == "" {
		return "the template has neither a message nor an email section: the mail would be empty"
	}
	return ""
}

// defaultSendTimeout bounds one delivery when EvaluateOptions.SendTimeout is zero.
const defaultSendTimeout = 30 * time.Second

// send delivers one notification within timeout, or until ctx ends. The engine's services
// take no context and set no timeouts of their own (a webhook to a server that accepts and
// never answers waits forever), so the delivery runs in its own goroutine and is abandoned
// when the time is up: the caller gets an error at once, and the connection stays open
// until the server closes it or the process ends.
func (e *Engine) send(ctx context.Context, timeout time.Duration, obj map[string]any, templates []string, d services.Destination) error {
	if timeout <= 0 {
		timeout = defaultSendTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.sendNow(obj, templates, d) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("service %s did not answer within %s; the delivery was abandoned", d.Service, timeout)
		}
		return fmt.Errorf("sending through service %s: %w", d.Service, ctx.Err())
	}
}

func (e *Engine) sendNow(obj map[string]any, templates []string, d services.Destination) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sending failed: %v", r)
		}
	}()
	return e.API.Send(obj, templates, d)
}

// conditionError re-runs a condition that did not fire to say why, when the reason is an
// error: the engine itself only logs it.
func conditionError(c triggers.Condition, vars map[string]any) string {
	prog, err := expr.Compile(text.Coalesce(c.When, "false"))
	if err != nil {
		return err.Error()
	}
	v, err := expr.Run(prog, vars)
	if err != nil {
		return err.Error()
	}
	if _, ok := v.(bool); !ok {
		return fmt.Sprintf("the condition returns %T, not a boolean", v)
	}
	return ""
}

func notifiedState(app *argocdmanaged.Application) map[string]int64 {
	state := map[string]int64{}
	if v, ok := app.Annotations[subscriptions.NotifiedAnnotationKey()]; ok {
		_ = json.Unmarshal([]byte(v), &state)
	}
	return state
}

func projectName(app *argocdmanaged.Application) string {
	if app.Spec.Project == "" {
		return "default"
	}
	return app.Spec.Project
}
