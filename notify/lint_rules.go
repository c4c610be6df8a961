package notify

import "github.com/ck8sargo/ck8sargo/policy"

// LintRule describes one kind of mistake Lint finds. IDs are stable: reports, CI gates and
// docs use them.
type LintRule struct {
	ID          string
	Severity    policy.Severity
	Title       string
	Remediation string
}

// Lint rule IDs.
const (
	RuleConfigRejected        = "notify-config-rejected"
	RuleConfigMapSize         = "notify-configmap-size"
	RuleUnknownKey            = "notify-unknown-key"
	RuleServiceKey            = "notify-service-key"
	RuleServiceType           = "notify-service-type"
	RuleServiceYAML           = "notify-service-yaml"
	RuleServiceTypeNewer      = "notify-service-type-newer"
	RuleServiceField          = "notify-service-field"
	RuleServiceDuplicate      = "notify-service-duplicate"
	RuleEmailTLS              = "notify-email-tls"
	RuleSecretRef             = "notify-secret-ref"
	RuleSecretValue           = "notify-secret-value"
	RuleSecretPlaintext       = "notify-secret-plaintext"
	RuleTriggerYAML           = "notify-trigger-yaml"
	RuleTriggerEmpty          = "notify-trigger-empty"
	RuleTriggerTemplate       = "notify-trigger-template"
	RuleTriggerWhen           = "notify-trigger-when"
	RuleTriggerOncePer        = "notify-trigger-once-per"
	RuleTriggerNilGuard       = "notify-trigger-nil-guard"
	RuleTriggerRuntime        = "notify-trigger-runtime"
	RuleTriggerNeverFires     = "notify-trigger-never-fires"
	RuleTriggerKey            = "notify-trigger-key"
	RuleTemplateYAML          = "notify-template-yaml"
	RuleTemplateParse         = "notify-template-parse"
	RuleTemplateRender        = "notify-template-render"
	RuleTemplateKey           = "notify-template-key"
	RuleTemplateJSON          = "notify-template-json"
	RuleTemplateUnused        = "notify-template-unused"
	RuleTemplateWebhook       = "notify-template-webhook"
	RuleTemplateRecursion     = "notify-template-recursion"
	RuleTemplateBudget        = "notify-template-budget"
	RuleDefaultTriggers       = "notify-default-triggers"
	RuleContext               = "notify-context"
	RuleSubscriptionsKey      = "notify-subscriptions"
	RuleSubscriptionTrigger   = "notify-subscription-trigger"
	RuleSubscriptionService   = "notify-subscription-service"
	RuleSubscriptionDotted    = "notify-subscription-dotted"
	RuleSubscriptionRecipient = "notify-subscription-recipient"
	RuleSubscriptionDefault   = "notify-subscription-default"
	RuleInput                 = "notify-input"
	RuleUnknown               = "notify-unknown"
)

// LintRules lists every rule Lint applies, for documentation and for embedders that
// filter by ID.
var LintRules = []LintRule{
	{RuleConfigRejected, policy.SeverityError, "The engine rejects the whole configuration", "Fix the other findings; the controller sends nothing until the engine accepts the configuration."},
	{RuleConfigMapSize, policy.SeverityError, "The ConfigMap is larger than the API server accepts", "Keep the ConfigMap under 1 MiB: remove unused templates or shorten them."},
	{RuleUnknownKey, policy.SeverityWarning, "A ConfigMap key that Argo CD ignores looks like a misspelt one", "Rename the key to service.*, trigger.*, template.*, defaultTriggers, subscriptions or context."},
	{RuleServiceKey, policy.SeverityError, "A service key has the wrong number of dots", "Name the key service.<type> or service.<type>.<name>, with no other dots."},
	{RuleServiceType, policy.SeverityError, "A service has a type the engine does not know", "Use one of the engine's service types (email, slack, webhook, teams, ...)."},
	{RuleServiceTypeNewer, policy.SeverityWarning, "A service type is newer than the Argo CD the environment runs", "Upgrade Argo CD, or use a service type its engine knows (teams for teams-workflows, webhook for the others)."},
	{RuleServiceYAML, policy.SeverityError, "A service value is not valid YAML", "Fix the YAML of the service value; indent it under the key with `|`."},
	{RuleServiceField, policy.SeverityError, "A service lacks a field it needs, or has one of the wrong type", "Add the field, or correct its type (port is a number)."},
	{RuleServiceDuplicate, policy.SeverityError, "Two service keys give the same service name", "Give each service its own name."},
	{RuleEmailTLS, policy.SeverityError, "An email service's port and credentials do not match how the engine connects", "Use port 465 with username and password (implicit TLS), or port 587 (STARTTLS)."},
	{RuleSecretRef, policy.SeverityError, "A $reference names a key the Secret does not have", "Add the key to the notifications Secret, or correct the reference."},
	{RuleSecretValue, policy.SeverityError, "A referenced Secret value is not usable text", "Store the value as UTF-8 without line breaks (printf %s, not echo)."},
	{RuleSecretPlaintext, policy.SeverityWarning, "A credential is written in the ConfigMap instead of the Secret", "Move the value into the notifications Secret and reference it as $key."},
	{RuleTriggerYAML, policy.SeverityError, "A trigger is not a valid YAML list of conditions", "Write the trigger as a YAML list of conditions with when and send."},
	{RuleTriggerEmpty, policy.SeverityError, "A trigger has no conditions, or a condition sends nothing", "Give every condition a when expression and at least one template in send."},
	{RuleTriggerTemplate, policy.SeverityError, "A trigger sends a template that does not exist", "Add the template, or correct the name in send."},
	{RuleTriggerWhen, policy.SeverityError, "A when condition does not compile", "Fix the expression syntax (expr-lang), e.g. quote strings with ' and use == for comparison."},
	{RuleTriggerOncePer, policy.SeverityError, "A oncePer expression does not compile", "Fix the oncePer expression syntax."},
	{RuleTriggerNilGuard, policy.SeverityWarning, "A condition reads operationState fields without a nil guard", "Guard with app.status.operationState != nil and ..., or use ?. (app.status?.operationState?.phase)."},
	{RuleTriggerRuntime, policy.SeverityWarning, "A condition fails when evaluated on a typical Application", "Guard field access with ?. so the condition is false, not an error, when fields are missing."},
	{RuleTriggerNeverFires, policy.SeverityError, "A condition fails on every typical Application: it can never fire", "Read the Application as app (not obj), and guard field access with ?. so the condition evaluates."},
	{RuleTriggerKey, policy.SeverityError, "A trigger condition has a key the engine ignores", "Use only when, oncePer, send and description, spelt so (oncePer, not oncePEr)."},
	{RuleTemplateKey, policy.SeverityError, "A template has a key the engine ignores", "Correct the key (message, not mesage) and put per-service keys under their service (email.subject, not subject)."},
	{RuleTemplateJSON, policy.SeverityError, "A per-service payload that must be JSON does not parse once rendered", "Fix the JSON of the Slack attachments or blocks, Teams or Google Chat cards, or JSON webhook body; render values with toJson."},
	{RuleTemplateYAML, policy.SeverityError, "A template is not valid YAML", "Fix the YAML of the template; quote values that hold {{ }} and ': '."},
	{RuleTemplateParse, policy.SeverityError, "A template does not parse, or calls a function that does not exist", "Fix the Go template syntax; only sprig functions (without env) are available."},
	{RuleTemplateRender, policy.SeverityWarning, "A template fails to render for an Application its trigger fires on", "Guard field access with `with`, `dig` or `default` so missing fields render."},
	{RuleTemplateUnused, policy.SeverityInfo, "A template is not sent by any trigger", "Reference the template from a trigger, or remove it."},
	{RuleTemplateWebhook, policy.SeverityWarning, "A template's webhook section names a service that is not a webhook", "Key webhook sections by the name of a webhook service."},
	{RuleTemplateRecursion, policy.SeverityError, "A template calls itself with the same data, without end", "Pass the part of the data the nested call is about ({{template \"x\" .children}}), or remove the call."},
	{RuleTemplateBudget, policy.SeverityError, "A template renders more than 1 MiB, or for longer than 2 seconds", "Bound the loops and repeats of the template; notification services refuse messages that large."},
	{RuleDefaultTriggers, policy.SeverityError, "defaultTriggers names a trigger that does not exist, or is not a list", "List existing triggers, as a YAML list."},
	{RuleContext, policy.SeverityError, "The context key is not a YAML map of strings", "Write context as key: value lines, e.g. argocdUrl: https://argocd.example.com."},
	{RuleSubscriptionsKey, policy.SeverityError, "The subscriptions key is malformed or names missing triggers or services", "Write subscriptions as a list of {recipients, triggers, selector}, naming existing triggers and services."},
	{RuleSubscriptionTrigger, policy.SeverityError, "A subscription names a trigger that does not exist", "Subscribe to an existing trigger, or install it (notify catalog --install)."},
	{RuleSubscriptionService, policy.SeverityError, "A subscription names a service that does not exist", "Subscribe with an existing service name, or add the service (notify service add)."},
	{RuleSubscriptionDotted, policy.SeverityError, "A subscription annotation has extra dots", "Use notifications.argoproj.io/subscribe.<trigger>.<service>; trigger and service names have no dots."},
	{RuleSubscriptionRecipient, policy.SeverityError, "A subscription's recipient cannot be delivered to", "Give recipients the service understands (email addresses, channel names, configured webhook names)."},
	{RuleSubscriptionDefault, policy.SeverityError, "A subscription without trigger has no default triggers to use", "Name the trigger in the annotation, or set defaultTriggers in the ConfigMap."},
	{RuleUnknown, policy.SeverityWarning, "A check could not be made: what it needs could not be read from the cluster", "Ask the Platform Administrator for the right named, or lint files (--config-map, --secret, manifests); an unknown check is neither passed nor failed."},
	{RuleInput, policy.SeverityError, "An input file cannot be read", "Pass YAML manifests of the notifications ConfigMap, Secret and Applications."},
}

// lintRule returns a rule by ID.
func lintRule(id string) LintRule {
	for _, r := range LintRules {
		if r.ID == id {
			return r
		}
	}
	return LintRule{ID: id, Severity: policy.SeverityError}
}

// PolicyRules returns LintRules as policy rules, for the shared report writers
// (policy/report): SARIF lists them, text output prints their remediation.
func PolicyRules() []policy.Rule {
	out := make([]policy.Rule, 0, len(LintRules))
	for _, r := range LintRules {
		out = append(out, policy.Rule{ID: r.ID, Severity: r.Severity, Title: r.Title, Rationale: r.Title, Remediation: r.Remediation})
	}
	return out
}
