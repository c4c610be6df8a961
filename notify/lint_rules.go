package notify

import (
	"slices"

	"github.com/ck8sargo/ck8sargo/policy"
)

// Lint rule IDs. They are stable: reports, CI gates and docs use them.
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

// LintRules lists every rule Lint applies, as policy rules without a Check (Lint finds
// the mistakes itself; the rules are its findings' metadata), for documentation, for the
// shared report writers (policy/report: SARIF lists them, text prints their remediation)
// and for embedders that filter by ID. Each call returns a fresh copy: changing it changes
// nothing Lint does.
func LintRules() []policy.Rule { return slices.Clone(lintRules) }

// lintRules are the rules, in the order of docs/notify.md. Each Rationale says why the
// mistake matters: what the controller does with it.
var lintRules = []policy.Rule{
	{ID: RuleConfigRejected, Severity: policy.SeverityError, Title: "The engine rejects the whole configuration", Rationale: "The notifications controller loads the ConfigMap and Secret as one configuration: when the engine refuses any part of it, the controller keeps running without it and sends no notification at all, and says so only in its own log.", Remediation: "Fix the other findings; the controller sends nothing until the engine accepts the configuration."},
	{ID: RuleConfigMapSize, Severity: policy.SeverityError, Title: "The ConfigMap is larger than the API server accepts", Rationale: "The API server stores no object larger than 1 MiB, so a larger ConfigMap cannot be written at all and Argo CD keeps the last configuration that fitted.", Remediation: "Keep the ConfigMap under 1 MiB: remove unused templates or shorten them."},
	{ID: RuleUnknownKey, Severity: policy.SeverityWarning, Title: "A ConfigMap key that Argo CD ignores looks like a misspelt one", Rationale: "Argo CD reads only service.*, trigger.*, template.*, defaultTriggers, subscriptions and context; any other key is ignored without a word, so a misspelt key is a service, trigger or template that silently does not exist.", Remediation: "Rename the key to service.*, trigger.*, template.*, defaultTriggers, subscriptions or context."},
	{ID: RuleServiceKey, Severity: policy.SeverityError, Title: "A service key has the wrong number of dots", Rationale: "The engine splits service keys on dots into type and name; a key with more dots is refused, and the whole configuration with it.", Remediation: "Name the key service.<type> or service.<type>.<name>, with no other dots."},
	{ID: RuleServiceType, Severity: policy.SeverityError, Title: "A service has a type the engine does not know", Rationale: "The engine builds each service from its type; a type it does not know makes it refuse the whole configuration.", Remediation: "Use one of the engine's service types (email, slack, webhook, teams, ...)."},
	{ID: RuleServiceTypeNewer, Severity: policy.SeverityWarning, Title: "A service type is newer than the Argo CD the environment runs", Rationale: "A controller older than the release that added a service type refuses the type, and with it the whole configuration, so the environment's Argo CD version decides what may be used.", Remediation: "Upgrade Argo CD, or use a service type its engine knows (teams for teams-workflows, webhook for the others)."},
	{ID: RuleServiceYAML, Severity: policy.SeverityError, Title: "A service value is not valid YAML", Rationale: "A service value is parsed as YAML when the controller loads the configuration; YAML it cannot parse makes it refuse the whole configuration.", Remediation: "Fix the YAML of the service value; indent it under the key with `|`."},
	{ID: RuleServiceField, Severity: policy.SeverityError, Title: "A service lacks a field it needs, or has one of the wrong type", Rationale: "A service built without a field it needs, or with a field of the wrong type, fails when the controller loads it or when it sends, and nothing reaches the recipient.", Remediation: "Add the field, or correct its type (port is a number)."},
	{ID: RuleServiceDuplicate, Severity: policy.SeverityError, Title: "Two service keys give the same service name", Rationale: "Subscriptions name services by name; when two keys give the same name, only one of them is used and which one is not defined.", Remediation: "Give each service its own name."},
	{ID: RuleEmailTLS, Severity: policy.SeverityError, Title: "An email service's port and credentials do not match how the engine connects", Rationale: "The engine uses implicit TLS only on port 465 and only when it logs in; any other combination talks plain SMTP, upgraded with STARTTLS if offered, so a mismatch fails to connect or sends without the encryption meant.", Remediation: "Use port 465 with username and password (implicit TLS), or port 587 (STARTTLS)."},
	{ID: RuleSecretRef, Severity: policy.SeverityError, Title: "A $reference names a key the Secret does not have", Rationale: "A $reference that names no key of the notifications Secret is sent as the literal text $key: the service refuses the login or the request, and the notification is lost.", Remediation: "Add the key to the notifications Secret, or correct the reference."},
	{ID: RuleSecretValue, Severity: policy.SeverityError, Title: "A referenced Secret value is not usable text", Rationale: "Secret values are substituted into the service's YAML; a value that is not UTF-8, or that holds a line break (from echo or an editor), breaks the YAML or the login.", Remediation: "Store the value as UTF-8 without line breaks (printf %s, not echo)."},
	{ID: RuleSecretPlaintext, Severity: policy.SeverityWarning, Title: "A credential is written in the ConfigMap instead of the Secret", Rationale: "Every user who may read the ConfigMap reads a credential written in it, and it lands in git with the ConfigMap; the notifications Secret is where credentials belong.", Remediation: "Move the value into the notifications Secret and reference it as $key."},
	{ID: RuleTriggerYAML, Severity: policy.SeverityError, Title: "A trigger is not a valid YAML list of conditions", Rationale: "A trigger is parsed as a YAML list of conditions when the configuration is loaded; a trigger that does not parse makes the controller refuse the whole configuration.", Remediation: "Write the trigger as a YAML list of conditions with when and send."},
	{ID: RuleTriggerEmpty, Severity: policy.SeverityError, Title: "A trigger has no conditions, or a condition sends nothing", Rationale: "A condition without when is never true, and a condition that sends no template delivers nothing: the trigger looks configured but never notifies anyone.", Remediation: "Give every condition a when expression and at least one template in send."},
	{ID: RuleTriggerTemplate, Severity: policy.SeverityError, Title: "A trigger sends a template that does not exist", Rationale: "The controller looks up the templates a trigger sends only when it fires; a missing template then fails that notification, at the moment it was needed.", Remediation: "Add the template, or correct the name in send."},
	{ID: RuleTriggerWhen, Severity: policy.SeverityError, Title: "A when condition does not compile", Rationale: "A when expression is compiled when the configuration is loaded; one that does not compile makes the controller refuse the whole configuration.", Remediation: "Fix the expression syntax (expr-lang), e.g. quote strings with ' and use == for comparison."},
	{ID: RuleTriggerOncePer, Severity: policy.SeverityError, Title: "A oncePer expression does not compile", Rationale: "The oncePer expression is compiled with the trigger; one that does not compile makes the controller refuse the whole configuration.", Remediation: "Fix the oncePer expression syntax."},
	{ID: RuleTriggerNilGuard, Severity: policy.SeverityWarning, Title: "A condition reads operationState fields without a nil guard", Rationale: "operationState is nil until an Application is first synced; a condition that reads its fields without a guard errors on such Applications instead of being false.", Remediation: "Guard with app.status.operationState != nil and ..., or use ?. (app.status?.operationState?.phase)."},
	{ID: RuleTriggerRuntime, Severity: policy.SeverityWarning, Title: "A condition fails when evaluated on a typical Application", Rationale: "A condition that errors on an Application is not false but fails, for every evaluation, and fills the controller's log instead of notifying.", Remediation: "Guard field access with ?. so the condition is false, not an error, when fields are missing."},
	{ID: RuleTriggerNeverFires, Severity: policy.SeverityError, Title: "A condition fails on every typical Application: it can never fire", Rationale: "A condition that fails on every kind of Application can never be true, so the trigger never notifies anyone, whatever happens to the Applications.", Remediation: "Read the Application as app (not obj), and guard field access with ?. so the condition evaluates."},
	{ID: RuleTriggerKey, Severity: policy.SeverityError, Title: "A trigger condition has a key the engine ignores", Rationale: "The engine ignores condition keys it does not know, so a misspelt oncePer or send is silently not there: the notification repeats, or sends nothing.", Remediation: "Use only when, oncePer, send and description, spelt so (oncePer, not oncePEr)."},
	{ID: RuleTemplateKey, Severity: policy.SeverityError, Title: "A template has a key the engine ignores", Rationale: "The engine ignores template keys it does not know, so a misspelt message or a per-service key out of place is silently left out of what is sent.", Remediation: "Correct the key (message, not mesage) and put per-service keys under their service (email.subject, not subject)."},
	{ID: RuleTemplateJSON, Severity: policy.SeverityError, Title: "A per-service payload that must be JSON does not parse once rendered", Rationale: "Slack attachments and blocks, Teams and Google Chat cards and JSON webhook bodies are sent as JSON; a payload that does not parse once rendered is refused by the service, or by the engine before it.", Remediation: "Fix the JSON of the Slack attachments or blocks, Teams or Google Chat cards, or JSON webhook body; render values with toJson."},
	{ID: RuleTemplateYAML, Severity: policy.SeverityError, Title: "A template is not valid YAML", Rationale: "A template is parsed as YAML when the configuration is loaded; a template that does not parse makes the controller refuse the whole configuration.", Remediation: "Fix the YAML of the template; quote values that hold {{ }} and ': '."},
	{ID: RuleTemplateParse, Severity: policy.SeverityError, Title: "A template does not parse, or calls a function that does not exist", Rationale: "Templates are parsed as Go templates with the engine's functions when the configuration is loaded; a syntax error or an unknown function makes the controller refuse the whole configuration.", Remediation: "Fix the Go template syntax; only sprig functions (without env) are available."},
	{ID: RuleTemplateRender, Severity: policy.SeverityWarning, Title: "A template fails to render for an Application its trigger fires on", Rationale: "A template that fails to render for the Application its trigger fired on sends nothing for it: the notification is lost when the event happens.", Remediation: "Guard field access with `with`, `dig` or `default` so missing fields render."},
	{ID: RuleTemplateUnused, Severity: policy.SeverityInfo, Title: "A template is not sent by any trigger", Rationale: "A template no trigger sends is never delivered: often a trigger names it with a typo, or it is left over from one removed.", Remediation: "Reference the template from a trigger, or remove it."},
	{ID: RuleTemplateWebhook, Severity: policy.SeverityWarning, Title: "A template's webhook section names a service that is not a webhook", Rationale: "The engine uses a template's webhook section only for the webhook service it is keyed by; a section keyed by a service that is not a webhook is ignored.", Remediation: "Key webhook sections by the name of a webhook service."},
	{ID: RuleTemplateRecursion, Severity: policy.SeverityError, Title: "A template calls itself with the same data, without end", Rationale: "A template that calls itself with the same data renders without end: the controller spends its time and memory on it and sends nothing.", Remediation: "Pass the part of the data the nested call is about ({{template \"x\" .children}}), or remove the call."},
	{ID: RuleTemplateBudget, Severity: policy.SeverityError, Title: "A template renders more than 1 MiB, or for longer than 2 seconds", Rationale: "Notification services refuse messages that large, and rendering them holds up every other notification of the controller.", Remediation: "Bound the loops and repeats of the template; notification services refuse messages that large."},
	{ID: RuleDefaultTriggers, Severity: policy.SeverityError, Title: "defaultTriggers names a trigger that does not exist, or is not a list", Rationale: "Subscriptions without a trigger use defaultTriggers; a default trigger that does not exist, or a value that is not a list, leaves those subscriptions without anything to send.", Remediation: "List existing triggers, as a YAML list."},
	{ID: RuleContext, Severity: policy.SeverityError, Title: "The context key is not a YAML map of strings", Rationale: "Templates read the context key as a map of strings (argocdUrl and the like); a value of another shape makes the controller refuse the configuration or render empty links.", Remediation: "Write context as key: value lines, e.g. argocdUrl: https://argocd.example.com."},
	{ID: RuleSubscriptionsKey, Severity: policy.SeverityError, Title: "The subscriptions key is malformed or names missing triggers or services", Rationale: "The subscriptions key subscribes recipients for every Application it selects; a malformed entry, or one naming missing triggers or services, delivers nothing to them.", Remediation: "Write subscriptions as a list of {recipients, triggers, selector}, naming existing triggers and services."},
	{ID: RuleSubscriptionTrigger, Severity: policy.SeverityError, Title: "A subscription names a trigger that does not exist", Rationale: "A subscription to a trigger that does not exist is never evaluated: the recipients are told nothing, and nothing says so.", Remediation: "Subscribe to an existing trigger, or install it from the catalog (InstallCatalog)."},
	{ID: RuleSubscriptionService, Severity: policy.SeverityError, Title: "A subscription names a service that does not exist", Rationale: "A subscription through a service that does not exist cannot be delivered: the controller logs an error for each notification and the recipients get none.", Remediation: "Subscribe with an existing service name, or add the service to the notifications ConfigMap."},
	{ID: RuleSubscriptionDotted, Severity: policy.SeverityError, Title: "A subscription annotation has extra dots", Rationale: "The controller splits subscription annotations on dots into trigger and service; extra dots make it read a trigger or service that does not exist.", Remediation: "Use notifications.argoproj.io/subscribe.<trigger>.<service>; trigger and service names have no dots."},
	{ID: RuleSubscriptionRecipient, Severity: policy.SeverityError, Title: "A subscription's recipient cannot be delivered to", Rationale: "The service cannot deliver to a recipient it does not understand (an address that is not one, a Teams recipient without a webhook URL), so that notification is lost.", Remediation: "Give recipients the service understands (email addresses, channel names, configured webhook names)."},
	{ID: RuleSubscriptionDefault, Severity: policy.SeverityError, Title: "A subscription without trigger has no default triggers to use", Rationale: "A subscription without trigger uses the default triggers; when there are none, it subscribes to nothing.", Remediation: "Name the trigger in the annotation, or set defaultTriggers in the ConfigMap."},
	{ID: RuleUnknown, Severity: policy.SeverityWarning, Title: "A check could not be made: what it needs could not be read from the cluster", Rationale: "A check needs what the user may not read, such as the notifications Secret or the list of Applications; it is reported as unknown so that a check that was not made is never taken as passed.", Remediation: "Ask the Platform Administrator for the right named, or lint files (the ConfigMap, the Secret and the manifests); an unknown check is neither passed nor failed."},
	{ID: RuleInput, Severity: policy.SeverityError, Title: "An input file cannot be read", Rationale: "A file that cannot be read is not linted, so whatever mistake it holds would reach the cluster unchecked.", Remediation: "Pass YAML manifests of the notifications ConfigMap, Secret and Applications."},
}

// lintRule returns a rule by ID; an ID without a rule gets an error-severity rule with
// nothing but the ID, so a finding is never dropped for want of metadata.
func lintRule(id string) policy.Rule {
	for _, r := range lintRules {
		if r.ID == id {
			return r
		}
	}
	return policy.Rule{ID: id, Severity: policy.SeverityError}
}
