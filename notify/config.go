package notify

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/argoproj/notifications-engine/pkg/subscriptions"
	"github.com/argoproj/notifications-engine/pkg/triggers"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Key prefixes and names of the notifications ConfigMap, as the engine and Argo CD read them.
const (
	ServicePrefix         = "service."
	TriggerPrefix         = "trigger."
	TemplatePrefix        = "template."
	DefaultTriggersKey    = "defaultTriggers"
	DefaultTriggersPrefix = "defaultTriggers."
	SubscriptionsKey      = "subscriptions"
	ContextKey            = "context"
)

// Config is the notifications configuration: the data of the ConfigMap and of the Secret.
// Data is the source of truth and keeps every key as written, understood or not, so that
// reading, changing one entry and writing back loses nothing; the typed views (Services,
// Triggers, Templates, ...) are parsed from it on each call.
type Config struct {
	// Namespace is the Argo CD namespace the two objects live in.
	Namespace string
	// ConfigMapName and SecretName name the two objects.
	ConfigMapName, SecretName string
	// Data is the ConfigMap's data.
	Data map[string]string
	// SecretData is the Secret's data: the exact bytes, not base64.
	SecretData map[string][]byte
	// ConfigMapExists and SecretExists say whether the objects were found when read.
	ConfigMapExists, SecretExists bool
	// SecretUnreadable is why the Secret could not be read (LoadForCheck with a
	// forbidden Secret); nil when it was read or is missing. Checks that depend on its
	// values are then unknown, neither passed nor failed.
	SecretUnreadable error

	// loadedData and loadedSecret are the keys as read, so that a write can tell which
	// keys were removed.
	loadedData   map[string]string
	loadedSecret map[string][]byte
}

// NewConfig returns an empty configuration named after the profile.
func NewConfig(p argocdmanaged.Profile) *Config {
	return &Config{
		Namespace:     p.ArgoCD.Namespace,
		ConfigMapName: p.Notifications.ConfigMap,
		SecretName:    p.Notifications.Secret,
		Data:          map[string]string{},
		SecretData:    map[string][]byte{},
	}
}

// FromObjects builds a configuration from the two objects; either may be nil (missing).
// The objects' names are taken from the profile when the objects are nil.
func FromObjects(p argocdmanaged.Profile, cm *corev1.ConfigMap, secret *corev1.Secret) *Config {
	c := NewConfig(p)
	if cm != nil {
		c.ConfigMapExists = true
		if cm.Name != "" {
			c.ConfigMapName = cm.Name
		}
		if cm.Namespace != "" {
			c.Namespace = cm.Namespace
		}
		c.Data = maps.Clone(cm.Data)
		if c.Data == nil {
			c.Data = map[string]string{}
		}
	}
	if secret != nil {
		c.SecretExists = true
		if secret.Name != "" {
			c.SecretName = secret.Name
		}
		for k, v := range secret.Data {
			c.SecretData[k] = slices.Clone(v)
		}
		// stringData is write-only on the server, but manifests use it; the server
		// merges it over data, and so does this.
		for k, v := range secret.StringData {
			c.SecretData[k] = []byte(v)
		}
	}
	c.markLoaded()
	return c
}

func (c *Config) markLoaded() {
	c.loadedData = maps.Clone(c.Data)
	c.loadedSecret = map[string][]byte{}
	for k, v := range c.SecretData {
		c.loadedSecret[k] = slices.Clone(v)
	}
}

// ConfigMap returns the ConfigMap holding Data, for the engine or for printing.
func (c *Config) ConfigMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: c.ConfigMapName},
		Data:       maps.Clone(c.Data),
	}
}

// Secret returns the Secret holding SecretData, for the engine. It holds secret values:
// never print it; see RedactedSecret.
func (c *Config) Secret() *corev1.Secret {
	s := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: c.SecretName},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{},
	}
	for k, v := range c.SecretData {
		s.Data[k] = slices.Clone(v)
	}
	return s
}

// RedactedSecret is the Secret with every value replaced by its length, safe to print.
func (c *Config) RedactedSecret() *corev1.Secret {
	return redact(c.Secret())
}

// redact replaces the Secret's values with their lengths, shown as stringData so that the
// marker reads as text.
func redact(s *corev1.Secret) *corev1.Secret {
	out := s.DeepCopy()
	out.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
	out.StringData = map[string]string{}
	for k, v := range s.Data {
		out.StringData[k] = fmt.Sprintf("<redacted: %d bytes>", len(v))
	}
	out.Data = nil
	return out
}

// Changed says whether the ConfigMap data and the Secret data differ from what was read.
func (c *Config) Changed() (configMap, secret bool) {
	configMap = !maps.Equal(c.Data, c.loadedData) || (!c.ConfigMapExists && len(c.Data) > 0)
	secret = !maps.EqualFunc(c.SecretData, c.loadedSecret, func(a, b []byte) bool { return string(a) == string(b) })
	return configMap, secret
}

// removedKeys are the keys read from the cluster that are no longer in the configuration.
func (c *Config) removedKeys() (data, secret []string) {
	for k := range c.loadedData {
		if _, ok := c.Data[k]; !ok {
			data = append(data, k)
		}
	}
	for k := range c.loadedSecret {
		if _, ok := c.SecretData[k]; !ok {
			secret = append(secret, k)
		}
	}
	slices.Sort(data)
	slices.Sort(secret)
	return data, secret
}

// Service is one `service.<type>[.<name>]` entry.
type Service struct {
	// Key is the ConfigMap key.
	Key string
	// Type is the service type (email, slack, webhook, ...).
	Type string
	// Name is what triggers and subscriptions call the service: the type when the key
	// has no name part.
	Name string
	// Raw is the value as written, with $secret references unresolved.
	Raw string
	// Options is Raw parsed, references unresolved; nil when Err is set.
	Options map[string]any
	// Err is why the entry cannot be read: a malformed key or YAML.
	Err error
}

// Trigger is one `trigger.<name>` entry.
type Trigger struct {
	Key        string
	Name       string
	Raw        string
	Conditions []triggers.Condition
	Err        error
}

// Template is one `template.<name>` entry.
type Template struct {
	Key          string
	Name         string
	Raw          string
	Notification services.Notification
	Err          error
}

// sortedKeys returns the data keys with prefix, sorted, for stable output.
func (c *Config) sortedKeys(prefix string) []string {
	var keys []string
	for k := range c.Data {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// ParseServiceKey splits `service.<type>[.<name>]` as the engine does: two or three
// dot-separated parts, anything else is rejected.
func ParseServiceKey(key string) (serviceType, name string, err error) {
	parts := strings.Split(key, ".")
	switch {
	case len(parts) == 3 && parts[0] == "service":
		return parts[1], parts[2], nil
	case len(parts) == 2 && parts[0] == "service":
		return parts[1], parts[1], nil
	}
	return "", "", fmt.Errorf("invalid service key %q: want service.<type> or service.<type>.<name>, with no other dots", key)
}

// ServiceKey is the ConfigMap key of a service: `service.<type>` when name is empty or
// equal to the type, else `service.<type>.<name>`.
func ServiceKey(serviceType, name string) string {
	if name == "" || name == serviceType {
		return ServicePrefix + serviceType
	}
	return ServicePrefix + serviceType + "." + name
}

// Services parses every service entry, sorted by key.
func (c *Config) Services() []Service {
	var out []Service
	for _, k := range c.sortedKeys(ServicePrefix) {
		s := Service{Key: k, Raw: c.Data[k]}
		s.Type, s.Name, s.Err = ParseServiceKey(k)
		if s.Err == nil {
			s.Options = map[string]any{}
			if err := yaml.Unmarshal([]byte(s.Raw), &s.Options); err != nil {
				s.Options, s.Err = nil, fmt.Errorf("service %s: %w", k, err)
			}
		}
		out = append(out, s)
	}
	return out
}

// Service returns the service that triggers and subscriptions call name.
func (c *Config) Service(name string) (Service, bool) {
	for _, s := range c.Services() {
		if s.Err == nil && s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// Triggers parses every trigger entry, sorted by key.
func (c *Config) Triggers() []Trigger {
	var out []Trigger
	for _, k := range c.sortedKeys(TriggerPrefix) {
		t := Trigger{Key: k, Name: strings.TrimPrefix(k, TriggerPrefix), Raw: c.Data[k]}
		if err := yaml.Unmarshal([]byte(t.Raw), &t.Conditions); err != nil {
			t.Conditions, t.Err = nil, fmt.Errorf("trigger %s: %w", t.Name, err)
		}
		out = append(out, t)
	}
	return out
}

// Templates parses every template entry, sorted by key.
func (c *Config) Templates() []Template {
	var out []Template
	for _, k := range c.sortedKeys(TemplatePrefix) {
		t := Template{Key: k, Name: strings.TrimPrefix(k, TemplatePrefix), Raw: c.Data[k]}
		if err := yaml.Unmarshal([]byte(t.Raw), &t.Notification); err != nil {
			t.Notification, t.Err = services.Notification{}, fmt.Errorf("template %s: %w", t.Name, err)
		}
		out = append(out, t)
	}
	return out
}

// DefaultTriggers parses `defaultTriggers`: the triggers of a subscription that names none.
func (c *Config) DefaultTriggers() ([]string, error) {
	v, ok := c.Data[DefaultTriggersKey]
	if !ok {
		return nil, nil
	}
	var out []string
	if err := yaml.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("%s: %w", DefaultTriggersKey, err)
	}
	return out, nil
}

// ServiceDefaultTriggers parses every `defaultTriggers.<service>` entry; errors are keyed
// by service.
func (c *Config) ServiceDefaultTriggers() (map[string][]string, map[string]error) {
	out, errs := map[string][]string{}, map[string]error{}
	for _, k := range c.sortedKeys(DefaultTriggersPrefix) {
		name := strings.TrimPrefix(k, DefaultTriggersPrefix)
		var list []string
		if err := yaml.Unmarshal([]byte(c.Data[k]), &list); err != nil {
			errs[name] = fmt.Errorf("%s: %w", k, err)
			continue
		}
		out[name] = list
	}
	return out, errs
}

// Context parses `context`, the variables Argo CD gives templates as .context (argocdUrl).
func (c *Config) Context() (map[string]string, error) {
	out := map[string]string{}
	v, ok := c.Data[ContextKey]
	if !ok {
		return out, nil
	}
	if err := yaml.Unmarshal([]byte(v), &out); err != nil {
		return map[string]string{}, fmt.Errorf("%s: %w", ContextKey, err)
	}
	if out == nil {
		out = map[string]string{}
	}
	return out, nil
}

// Subscriptions parses `subscriptions`, the subscriptions that apply to every Application.
func (c *Config) Subscriptions() (subscriptions.DefaultSubscriptions, error) {
	v, ok := c.Data[SubscriptionsKey]
	if !ok {
		return nil, nil
	}
	var out subscriptions.DefaultSubscriptions
	if err := yaml.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("%s: %w", SubscriptionsKey, err)
	}
	return out, nil
}

// UnknownKeys are the data keys this package does not understand; they are kept as they
// are, and Argo CD ignores them too.
func (c *Config) UnknownKeys() []string {
	var out []string
	for k := range c.Data {
		switch {
		case strings.HasPrefix(k, ServicePrefix), strings.HasPrefix(k, TriggerPrefix),
			strings.HasPrefix(k, TemplatePrefix), strings.HasPrefix(k, DefaultTriggersPrefix),
			k == DefaultTriggersKey, k == SubscriptionsKey, k == ContextKey:
		default:
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// SetTrigger writes a trigger entry.
func (c *Config) SetTrigger(name string, conditions []triggers.Condition) error {
	data, err := yaml.Marshal(conditions)
	if err != nil {
		return fmt.Errorf("encoding trigger %s: %w", name, err)
	}
	c.Data[TriggerPrefix+name] = string(data)
	return nil
}

// SetTemplate writes a template entry.
func (c *Config) SetTemplate(name string, n services.Notification) error {
	data, err := yaml.Marshal(n)
	if err != nil {
		return fmt.Errorf("encoding template %s: %w", name, err)
	}
	c.Data[TemplatePrefix+name] = string(data)
	return nil
}

// SetContext writes one variable of `context`, keeping the others.
func (c *Config) SetContext(key, value string) error {
	ctx, err := c.Context()
	if err != nil {
		return err
	}
	ctx[key] = value
	data, err := yaml.Marshal(ctx)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", ContextKey, err)
	}
	c.Data[ContextKey] = string(data)
	return nil
}
