package notify

import (
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// ServiceSpec is a service to add: the options written to the ConfigMap, whose secret
// values are `$key` references, and the Secret keys they reference.
type ServiceSpec struct {
	Type string
	// Name is what subscriptions call the service; empty means the type.
	Name string
	// Options are written as YAML under service.<type>[.<name>].
	Options map[string]any
	// Secrets are the Secret keys the options reference, with their exact bytes.
	Secrets map[string][]byte
	// Warnings are things the user should know, such as app passwords for 2FA senders.
	Warnings []string
}

// Key is the spec's ConfigMap key.
func (s *ServiceSpec) Key() string { return ServiceKey(s.Type, s.Name) }

// ServiceName is what triggers and subscriptions call the service.
func (s *ServiceSpec) ServiceName() string {
	if s.Name == "" {
		return s.Type
	}
	return s.Name
}

// SecretKey is the Secret key of one credential of the service: `<name>-<field>`, the
// convention of the platform's documentation (email-username, email-password).
func (s *ServiceSpec) SecretKey(field string) string {
	return s.ServiceName() + "-" + field
}

// secret stores value under the service's key for field and returns the `$key` reference.
func (s *ServiceSpec) secret(field string, value []byte) string {
	if s.Secrets == nil {
		s.Secrets = map[string][]byte{}
	}
	k := s.SecretKey(field)
	s.Secrets[k] = value
	return "$" + k
}

// ServiceTypes are the service types of the engine (EngineVersion): every one
// services.NewService builds.
var ServiceTypes = []string{
	"alertmanager", "awssqs", "email", "gcppubsub", "github", "googlechat", "grafana", "mattermost",
	"nats", "newrelic", "opsgenie", "pagerduty", "pagerdutyv2", "pushover", "rocketchat", "slack",
	"teams", "teams-workflows", "telegram", "webex", "webhook",
}

// isServiceType says whether the engine knows the type.
func isServiceType(t string) bool { return slices.Contains(ServiceTypes, t) }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// validateName checks a trigger, template or service name: annotations split on dots, so
// names may not hold any.
func validateName(kind, name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("invalid %s name %q: use letters, digits, '-' and '_' only (no dots)", kind, name)
	}
	return nil
}

// AddService writes a service entry and its Secret keys. An existing service or Secret key
// of the same name is only replaced with force.
func (c *Config) AddService(spec ServiceSpec, force bool) error {
	if !isServiceType(spec.Type) {
		return fmt.Errorf("unknown service type %q: use one of %s", spec.Type, strings.Join(ServiceTypes, ", "))
	}
	if spec.Name != "" {
		if err := validateName("service", spec.Name); err != nil {
			return err
		}
	}
	key := spec.Key()
	if _, ok := c.Data[key]; ok && !force {
		return &markedError{fmt.Sprintf("service %s already exists in ConfigMap %s", key, c.ConfigMapName), ErrExists}
	}
	if existing, ok := c.Service(spec.ServiceName()); ok && existing.Key != key {
		return &markedError{fmt.Sprintf("a service named %q already exists as %s", spec.ServiceName(), existing.Key), ErrNameTaken}
	}
	for k := range spec.Secrets {
		if _, ok := c.SecretData[k]; ok && !force {
			return &markedError{fmt.Sprintf("key %s already exists in Secret %s", k, c.SecretName), ErrExists}
		}
	}
	data, err := yaml.Marshal(spec.Options)
	if err != nil {
		return fmt.Errorf("encoding service %s: %w", key, err)
	}
	c.Data[key] = string(data)
	for k, v := range spec.Secrets {
		c.SecretData[k] = v
	}
	return nil
}

// RemoveService deletes a service by name (or key) and the Secret keys that only it
// references; it returns the ConfigMap key and the removed Secret keys.
func (c *Config) RemoveService(name string, keepSecrets bool) (string, []string, error) {
	var svc Service
	found := false
	for _, s := range c.Services() {
		if s.Key == name || (s.Err == nil && s.Name == name) {
			svc, found = s, true
			break
		}
	}
	if !found {
		return "", nil, &markedError{fmt.Sprintf("no service %q in ConfigMap %s", name, c.ConfigMapName), ErrNoService}
	}
	delete(c.Data, svc.Key)
	if keepSecrets {
		return svc.Key, nil, nil
	}
	stillUsed := map[string]bool{}
	for _, s := range c.Services() {
		for _, r := range SecretRefs(s.Raw) {
			stillUsed[r] = true
		}
	}
	var removed []string
	for _, r := range SecretRefs(svc.Raw) {
		if _, ok := c.SecretData[r]; ok && !stillUsed[r] {
			delete(c.SecretData, r)
			removed = append(removed, r)
		}
	}
	slices.Sort(removed)
	return svc.Key, removed, nil
}

// secretRefRE is the engine's pattern for `$key` references in service values.
var secretRefRE = regexp.MustCompile(`[$][\w-]+`)

// SecretRefs lists the Secret keys that a service value references, sorted and unique.
func SecretRefs(raw string) []string {
	var out []string
	for _, m := range secretRefRE.FindAllString(raw, -1) {
		if k := m[1:]; !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// EmailOptions configure an SMTP service.
type EmailOptions struct {
	Name string
	Host string
	// Port 465 is implicit TLS (SMTPS, Gmail); 587 and 25 are plain connections upgraded
	// with STARTTLS when the server offers it.
	Port int
	// From is the sender address; empty means the username, as the platform's guide does.
	From     string
	Username string
	Password []byte
	HTML     bool
	// InsecureSkipVerify accepts any server certificate; for test servers only.
	InsecureSkipVerify bool
}

// EmailService builds an email service: the username and password go into the Secret.
func EmailService(o EmailOptions) (ServiceSpec, error) {
	s := ServiceSpec{Type: "email", Name: o.Name}
	var errs []error
	if o.Host == "" {
		errs = append(errs, optionError(option("Host"), " is required"))
	}
	if o.Port <= 0 || o.Port > 65535 {
		errs = append(errs, optionError(option("Port"), fmt.Sprintf(" %d is not a TCP port: use 465 (implicit TLS) or 587 (STARTTLS)", o.Port)))
	}
	if (o.Username == "") != (len(o.Password) == 0) {
		errs = append(errs, optionError(option("Username"), " and ", option("Password"), " go together: the engine only logs in when both are set"))
	}
	if o.Port == 465 && o.Username == "" {
		errs = append(errs, optionError("port 465 is implicit TLS, which the engine only uses when it logs in: give ", option("Username"), " and ", option("Password"), ", or use port 587 (STARTTLS)"))
	}
	from := o.From
	if from == "" && o.Username == "" {
		errs = append(errs, optionError(option("From"), " is required when there is no ", option("Username")))
	}
	if from != "" {
		if _, err := mail.ParseAddress(from); err != nil {
			errs = append(errs, optionError(option("From"), fmt.Sprintf(" %q is not an email address", from)))
		}
	}
	if err := checkSecretValue(o.Password, option("Password")); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return s, errors.Join(errs...)
	}
	opts := map[string]any{"host": o.Host, "port": o.Port}
	if o.Username != "" {
		opts["username"] = s.secret("username", []byte(o.Username))
		opts["password"] = s.secret("password", o.Password)
	}
	if from == "" {
		opts["from"] = opts["username"]
	} else {
		opts["from"] = from
	}
	if o.HTML {
		opts["html"] = true
	}
	if o.InsecureSkipVerify {
		opts["insecure_skip_verify"] = true
	}
	s.Options = opts
	switch o.Port {
	case 465:
		s.Warnings = append(s.Warnings, "port 465: the engine connects with implicit TLS (SMTPS)")
	case 587, 25:
		s.Warnings = append(s.Warnings, fmt.Sprintf("port %d: the engine connects in plain text and upgrades with STARTTLS when the server offers it", o.Port))
	default:
		s.Warnings = append(s.Warnings, fmt.Sprintf("port %d: the engine upgrades with STARTTLS when the server offers it; implicit TLS is only used on port 465", o.Port))
	}
	if o.Username != "" {
		s.Warnings = append(s.Warnings, "senders with two-factor authentication (Gmail, Microsoft 365) need an app password: the account password is refused")
	}
	return s, nil
}

// SlackOptions configure a Slack bot.
type SlackOptions struct {
	Name     string
	Token    []byte
	Username string
	Icon     string
	// APIURL replaces https://slack.com/api/, for Slack-compatible servers.
	APIURL        string
	SigningSecret []byte
}

// SlackService builds a Slack service; the bot token goes into the Secret.
func SlackService(o SlackOptions) (ServiceSpec, error) {
	s := ServiceSpec{Type: "slack", Name: o.Name}
	if len(o.Token) == 0 {
		return s, optionError(option("Token"), " is required: the bot token (xoxb-...) of the Slack app")
	}
	if err := errors.Join(checkSecretValue(o.Token, option("Token")), checkURL(o.APIURL, true, option("APIURL"))); err != nil {
		return s, err
	}
	opts := map[string]any{"token": s.secret("token", o.Token)}
	setIf(opts, "username", o.Username)
	setIf(opts, "icon", o.Icon)
	if o.APIURL != "" {
		opts["apiURL"] = strings.TrimRight(o.APIURL, "/") + "/"
	}
	if len(o.SigningSecret) > 0 {
		opts["signingSecret"] = s.secret("signing-secret", o.SigningSecret)
	}
	s.Options = opts
	return s, nil
}

// WebhookOptions configure a generic HTTP webhook.
type WebhookOptions struct {
	Name string
	URL  string
	// Headers are sent as written; SecretHeaders are stored in the Secret.
	Headers       map[string]string
	SecretHeaders map[string][]byte
	BasicAuthUser string
	BasicAuthPass []byte
}

// WebhookService builds a webhook service.
func WebhookService(o WebhookOptions) (ServiceSpec, error) {
	s := ServiceSpec{Type: "webhook", Name: o.Name}
	if o.URL == "" {
		return s, optionError(option("URL"), " is required")
	}
	if err := checkURL(o.URL, false, option("URL")); err != nil {
		return s, err
	}
	opts := map[string]any{"url": o.URL}
	var headers []map[string]string
	for _, k := range slices.Sorted(maps.Keys(o.Headers)) {
		headers = append(headers, map[string]string{"name": k, "value": o.Headers[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(o.SecretHeaders)) {
		if err := checkSecretValue(o.SecretHeaders[k], "header "+k); err != nil {
			return s, err
		}
		headers = append(headers, map[string]string{"name": k, "value": s.secret("header-"+strings.ToLower(k), o.SecretHeaders[k])})
	}
	if len(headers) > 0 {
		opts["headers"] = headers
	}
	if o.BasicAuthUser != "" {
		if err := checkSecretValue(o.BasicAuthPass, option("BasicAuthPass")); err != nil {
			return s, err
		}
		opts["basicAuth"] = map[string]string{"username": o.BasicAuthUser, "password": s.secret("password", o.BasicAuthPass)}
	}
	s.Options = opts
	return s, nil
}

// KeyedSecretsOptions configure the services whose recipients map to secret URLs or keys:
// teams and teams-workflows (recipientUrls), googlechat (webhooks), opsgenie (apiKeys),
// pagerdutyv2 (serviceKeys).
type KeyedSecretsOptions struct {
	Name string
	// Secrets maps a recipient name to its webhook URL or API key.
	Secrets map[string][]byte
	// APIURL is opsgenie's API endpoint.
	APIURL string
}

// keyedFields are the option that holds a map of recipient to secret, per type.
var keyedFields = map[string]string{
	"teams": "recipientUrls", "teams-workflows": "recipientUrls", "googlechat": "webhooks", "opsgenie": "apiKeys", "pagerdutyv2": "serviceKeys",
}

// KeyedService builds a teams, teams-workflows, googlechat, opsgenie or pagerdutyv2 service.
func KeyedService(serviceType string, o KeyedSecretsOptions) (ServiceSpec, error) {
	s := ServiceSpec{Type: serviceType, Name: o.Name}
	field, ok := keyedFields[serviceType]
	if !ok {
		return s, fmt.Errorf("service type %s does not map recipients to secrets", serviceType)
	}
	if len(o.Secrets) == 0 {
		return s, optionError("give at least one recipient: ", option("Secrets"))
	}
	m := map[string]string{}
	for _, r := range slices.Sorted(maps.Keys(o.Secrets)) {
		if err := validateName("recipient", r); err != nil {
			return s, err
		}
		if err := checkSecretValue(o.Secrets[r], "recipient "+r); err != nil {
			return s, err
		}
		if serviceType == "teams" || serviceType == "teams-workflows" || serviceType == "googlechat" {
			if err := checkURL(string(o.Secrets[r]), false, "the URL of recipient "+r); err != nil {
				return s, err
			}
		}
		if serviceType == "teams-workflows" && !teamsWorkflowsURL.Match(o.Secrets[r]) {
			return s, fmt.Errorf("the URL of recipient %s (%s) is not a Teams Workflows URL: the engine only posts to api.powerautomate.com, api.powerplatform.com, flow.microsoft.com, webhook.office.com/workflows or a /powerautomate/ path; for an Office 365 connector use the teams type", r, redactURL(string(o.Secrets[r])))
		}
		m[r] = s.secret(strings.ToLower(r), o.Secrets[r])
	}
	opts := map[string]any{field: m}
	if serviceType == "opsgenie" {
		// The Opsgenie client takes a host name and adds https:// itself.
		host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(o.APIURL, "https://"), "http://"), "/")
		if host == "" || strings.ContainsAny(host, "/?# ") {
			return s, optionError(option("APIURL"), " is required for opsgenie: the API host, api.opsgenie.com or api.eu.opsgenie.com")
		}
		opts["apiUrl"] = host
	}
	s.Options = opts
	return s, nil
}

// TokenOptions configure mattermost and telegram, which need a token (and, for
// mattermost, the server URL).
type TokenOptions struct {
	Name   string
	Token  []byte
	APIURL string
}

// TokenService builds a mattermost or telegram service.
func TokenService(serviceType string, o TokenOptions) (ServiceSpec, error) {
	s := ServiceSpec{Type: serviceType, Name: o.Name}
	if len(o.Token) == 0 {
		return s, optionError(option("Token"), " is required")
	}
	if err := checkSecretValue(o.Token, option("Token")); err != nil {
		return s, err
	}
	opts := map[string]any{"token": s.secret("token", o.Token)}
	switch serviceType {
	case "mattermost":
		if o.APIURL == "" {
			return s, optionError(option("APIURL"), " is required for mattermost: the server's URL")
		}
		if err := checkURL(o.APIURL, false, option("APIURL")); err != nil {
			return s, err
		}
		opts["apiURL"] = o.APIURL
	case "telegram":
	default:
		return s, fmt.Errorf("service type %s is not configured with a token", serviceType)
	}
	s.Options = opts
	return s, nil
}

// AlertmanagerOptions configure an Alertmanager service.
type AlertmanagerOptions struct {
	Name        string
	Targets     []string
	Scheme      string
	APIPath     string
	BearerToken []byte
}

// AlertmanagerService builds an alertmanager service.
func AlertmanagerService(o AlertmanagerOptions) (ServiceSpec, error) {
	s := ServiceSpec{Type: "alertmanager", Name: o.Name}
	if len(o.Targets) == 0 {
		return s, optionError(option("Targets"), " is required")
	}
	if o.Scheme != "" && o.Scheme != "http" && o.Scheme != "https" {
		return s, optionError(option("Scheme"), fmt.Sprintf(" %q: use http or https", o.Scheme))
	}
	opts := map[string]any{"targets": o.Targets}
	setIf(opts, "scheme", o.Scheme)
	setIf(opts, "apiPath", o.APIPath)
	if len(o.BearerToken) > 0 {
		if err := checkSecretValue(o.BearerToken, option("BearerToken")); err != nil {
			return s, err
		}
		opts["bearerToken"] = s.secret("bearer-token", o.BearerToken)
	}
	s.Options = opts
	return s, nil
}

// GitHubOptions configure the GitHub App service.
type GitHubOptions struct {
	Name              string
	AppID             string
	InstallationID    string
	PrivateKey        []byte
	EnterpriseBaseURL string
}

// GitHubService builds a github service; the App's private key goes into the Secret.
func GitHubService(o GitHubOptions) (ServiceSpec, error) {
	s := ServiceSpec{Type: "github", Name: o.Name}
	var errs []error
	if o.AppID == "" {
		errs = append(errs, optionError(option("AppID"), " is required"))
	}
	if o.InstallationID == "" {
		errs = append(errs, optionError(option("InstallationID"), " is required"))
	}
	if len(o.PrivateKey) == 0 {
		errs = append(errs, optionError(option("PrivateKey"), " is required"))
	} else if !strings.Contains(string(o.PrivateKey), "PRIVATE KEY") {
		errs = append(errs, optionError(option("PrivateKey"), " does not hold a PEM private key"))
	}
	errs = append(errs, checkURL(o.EnterpriseBaseURL, true, option("EnterpriseBaseURL")))
	if err := errors.Join(errs...); err != nil {
		return s, err
	}
	opts := map[string]any{"appID": o.AppID, "installationID": o.InstallationID, "privateKey": s.secret("private-key", o.PrivateKey)}
	setIf(opts, "enterpriseBaseURL", o.EnterpriseBaseURL)
	s.Options = opts
	return s, nil
}

// checkSecretValue refuses values the Secret would store wrongly: a trailing newline (from
// `echo` without -n, or a file saved by an editor) breaks logins, and text secrets must be
// valid UTF-8 once they are substituted into YAML. what names the value: text, an option,
// or both (see optionError).
func checkSecretValue(v []byte, what ...any) error {
	if len(v) == 0 {
		return nil
	}
	if !utf8.Valid(v) {
		return optionError(append(what, " is not UTF-8 text")...)
	}
	if strings.ContainsAny(string(v), "\r\n") && !strings.Contains(string(v), "PRIVATE KEY") {
		return optionError(append(what, " holds a line break: the value must be on one line (write it with `printf %s`, not `echo`)")...)
	}
	return nil
}

// checkURL refuses a value that is not an http(s) URL; what names it as for checkSecretValue.
func checkURL(v string, optional bool, what ...any) error {
	if v == "" && optional {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return optionError(append(what, fmt.Sprintf(" %q is not an http(s) URL", redactURL(v)))...)
	}
	return nil
}

// redactURL keeps the scheme and host of a URL that may carry a token in its path.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "<not a URL>"
	}
	return u.Scheme + "://" + u.Host + "/..."
}

func setIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}
