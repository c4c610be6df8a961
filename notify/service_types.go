package notify

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// EngineVersion is the notifications-engine version this package builds: the one Argo CD
// MirroredArgoCDVersion requires, so that lint accepts exactly what that controller accepts.
const EngineVersion = "v0.5.1-0.20260503100631-0cff13b8a717"

// MirroredArgoCDVersion is the Argo CD release whose notifications engine (EngineVersion)
// and expression language (expr v1.17.8) this package uses.
const MirroredArgoCDVersion = "v3.5.7"

// serviceTypeSince gives the first Argo CD release whose engine knows a service type, for
// the types that notifications-engine v0.5.0 (Argo CD up to 3.2) did not have. A
// controller older than that rejects the whole configuration.
var serviceTypeSince = map[string]string{
	"gcppubsub":       "v3.3.0",
	"nats":            "v3.3.0",
	"teams-workflows": "v3.3.0",
}

// ServiceField is one option of a service type, as a front end asks for it: the plugin's
// `notify service add` sets each from a flag.
type ServiceField struct {
	// Option is the engine's option key (apiUrl, token, ...).
	Option string
	// Flag is the command-line flag, without dashes; a secret's flag ends in -file and
	// names a file holding the value.
	Flag string
	Help string
	// Secret values go into the notifications Secret under <name>-<Flag without -file>,
	// and the option holds the $reference.
	Secret   bool
	Required bool
	// URL values must be http(s) URLs.
	URL bool
}

// ServiceSchema describes a service type that is configured by plain fields: the
// types added in bulk to `notify service add` (the older types have builders of their own).
type ServiceSchema struct {
	Type   string
	Fields []ServiceField
	// check is a type-specific validation of the option values (secrets excluded).
	check func(values map[string]string) error
}

// ServiceSchemas are the field-configured service types, in `notify service add` order.
var ServiceSchemas = []ServiceSchema{
	{Type: "awssqs",
		Fields: []ServiceField{
			{Option: "queue", Flag: "queue", Help: "queue name (a subscription's recipient overrides it)", Required: true},
			{Option: "region", Flag: "region", Help: "AWS region of the queue", Required: true},
			{Option: "account", Flag: "account", Help: "AWS account ID owning the queue (for a queue of another account)"},
			{Option: "endpointUrl", Flag: "endpoint-url", Help: "SQS endpoint URL, for SQS-compatible servers", URL: true},
			{Option: "key", Flag: "access-key-id-file", Help: "file holding the access key ID (default: the controller's AWS identity)", Secret: true},
			{Option: "secret", Flag: "secret-access-key-file", Help: "file holding the secret access key", Secret: true},
		}},
	{Type: "gcppubsub",
		Fields: []ServiceField{
			{Option: "project", Flag: "project", Help: "GCP project ID of the topic", Required: true},
			{Option: "topic", Flag: "topic", Help: "topic name (a subscription's recipient overrides it)", Required: true},
			{Option: "keyFile", Flag: "key-file-path", Help: "path, inside the notifications controller, of a service account key file (default: workload identity)"},
		}},
	{Type: "grafana",
		Fields: []ServiceField{
			{Option: "apiUrl", Flag: "api-url", Help: "Grafana API URL, ending in /api", Required: true, URL: true},
			{Option: "apiKey", Flag: "api-key-file", Help: "file holding a Grafana service account token", Secret: true, Required: true},
		}},
	{Type: "nats",
		Fields: []ServiceField{
			{Option: "url", Flag: "url", Help: "NATS server URL (nats://HOST:PORT)", Required: true},
			{Option: "username", Flag: "username", Help: "user name, with the password"},
			{Option: "password", Flag: "password-file", Help: "file holding the password", Secret: true},
			{Option: "nkey", Flag: "nkey-file", Help: "file holding an NKey seed", Secret: true},
		},
		check: func(v map[string]string) error {
			u, err := url.Parse(v["url"])
			if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
				return optionError(option("url"), fmt.Sprintf(" %q is not a NATS URL: write nats://HOST:PORT", v["url"]))
			}
			return nil
		}},
	{Type: "newrelic",
		Fields: []ServiceField{
			{Option: "apiURL", Flag: "api-url", Help: "New Relic API URL (default https://api.newrelic.com; EU: https://api.eu.newrelic.com)", URL: true},
			{Option: "apiKey", Flag: "api-key-file", Help: "file holding a New Relic user API key", Secret: true, Required: true},
		}},
	{Type: "pagerduty",
		Fields: []ServiceField{
			{Option: "token", Flag: "token-file", Help: "file holding a PagerDuty REST API token", Secret: true, Required: true},
			{Option: "serviceId", Flag: "service-id", Help: "ID of the PagerDuty service incidents are opened on", Required: true},
			{Option: "from", Flag: "from", Help: "email address of a PagerDuty user, sent as From"},
		}},
	{Type: "pushover",
		Fields: []ServiceField{
			{Option: "token", Flag: "token-file", Help: "file holding the Pushover application token", Secret: true, Required: true},
		}},
	{Type: "rocketchat",
		Fields: []ServiceField{
			{Option: "serverUrl", Flag: "server-url", Help: "Rocket.Chat server URL (default https://open.rocket.chat)", URL: true},
			{Option: "email", Flag: "email", Help: "email address of the bot user", Required: true},
			{Option: "password", Flag: "password-file", Help: "file holding the bot user's password", Secret: true, Required: true},
			{Option: "alias", Flag: "alias", Help: "name the messages are posted as"},
			{Option: "icon", Flag: "icon", Help: "emoji of the messages (:robot:)"},
			{Option: "avatar", Flag: "avatar", Help: "image URL of the messages", URL: true},
		}},
	{Type: "webex",
		Fields: []ServiceField{
			{Option: "token", Flag: "token-file", Help: "file holding the bot's access token", Secret: true, Required: true},
			{Option: "apiURL", Flag: "api-url", Help: "Webex API URL (default https://webexapis.com)", URL: true},
		}},
}

// Schema returns the field schema of a service type.
func Schema(serviceType string) (ServiceSchema, bool) {
	for _, s := range ServiceSchemas {
		if s.Type == serviceType {
			return s, true
		}
	}
	return ServiceSchema{}, false
}

// SecretField is the part of a secret field's flag that names its Secret key:
// password-file stores <name>-password.
func (f ServiceField) SecretField() string { return strings.TrimSuffix(f.Flag, "-file") }

// FieldService builds a service of a field-configured type (see ServiceSchemas) from option
// values by flag name; secrets, also by flag name, go into the Secret.
func FieldService(serviceType, name string, values map[string]string, secrets map[string][]byte) (ServiceSpec, error) {
	s := ServiceSpec{Type: serviceType, Name: name}
	schema, ok := Schema(serviceType)
	if !ok {
		return s, fmt.Errorf("service type %s is not configured by fields", serviceType)
	}
	var errs []error
	opts := map[string]any{}
	for _, f := range schema.Fields {
		if f.Secret {
			v := secrets[f.Flag]
			if len(v) == 0 {
				if f.Required {
					errs = append(errs, optionError(option(f.Option), " is required: "+f.Help))
				}
				continue
			}
			if err := checkSecretValue(v, option(f.Option)); err != nil {
				errs = append(errs, err)
				continue
			}
			opts[f.Option] = s.secret(f.SecretField(), v)
			continue
		}
		v := values[f.Flag]
		if v == "" {
			if f.Required {
				errs = append(errs, optionError(option(f.Option), " is required: "+f.Help))
			}
			continue
		}
		if f.URL {
			if err := checkURL(v, false, option(f.Option)); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		opts[f.Option] = v
	}
	if schema.check != nil && len(errs) == 0 {
		errs = append(errs, schema.check(values))
	}
	switch serviceType {
	case "awssqs":
		if (secrets["access-key-id-file"] == nil) != (secrets["secret-access-key-file"] == nil) {
			errs = append(errs, optionError(option("key"), " and ", option("secret"), " go together; give neither to use the controller's own AWS identity"))
		}
	case "nats":
		if (values["username"] == "") != (secrets["password-file"] == nil) {
			errs = append(errs, optionError(option("username"), " and ", option("password"), " go together"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return s, err
	}
	s.Options = opts
	if serviceType == "pagerduty" {
		s.Warnings = append(s.Warnings, "pagerduty opens incidents through the REST API v1 with a user token; pagerdutyv2 (Events API, integration keys) is what PagerDuty recommends")
	}
	return s, nil
}

// teamsWorkflowsURL is the engine's test for a Teams Workflows (Power Automate) webhook
// URL: it refuses to post anywhere else.
var teamsWorkflowsURL = regexp.MustCompile(`(?i)(api\.(powerautomate|powerplatform)\.com|flow\.microsoft\.com|webhook\.office\.com/workflows|/powerautomate/)`)
