package notify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Subscription is one trigger/service pair of an Application's or AppProject's
// annotations and its recipients.
type Subscription struct {
	// Trigger is empty for `subscribe.<service>`, which uses the default triggers.
	Trigger    string   `json:"trigger,omitempty"`
	Service    string   `json:"service"`
	Recipients []string `json:"recipients"`
}

// AnnotationKey is the subscription's annotation.
func (s Subscription) AnnotationKey() string {
	if s.Trigger == "" {
		return subscribeAnnotationPrefix + s.Service
	}
	return subscribeAnnotationPrefix + s.Trigger + "." + s.Service
}

func (s Subscription) validate() error {
	if s.Trigger != "" {
		if err := validateName("trigger", s.Trigger); err != nil {
			return err
		}
	}
	if err := validateName("service", s.Service); err != nil {
		return err
	}
	for _, r := range s.Recipients {
		if strings.Contains(r, ";") || strings.TrimSpace(r) != r || r == "" {
			return fmt.Errorf("invalid recipient %q: recipients are joined with ';' and may not contain one, nor be empty or padded", r)
		}
	}
	return nil
}

// Subscribe adds recipients to a subscription in annots (created when nil), keeping those
// already there; it reports whether anything changed.
func Subscribe(annots map[string]string, s Subscription) (map[string]string, bool, error) {
	if err := s.validate(); err != nil {
		return annots, false, err
	}
	if annots == nil {
		annots = map[string]string{}
	}
	key := s.AnnotationKey()
	cur, exists := annots[key]
	list := parseRecipients(cur)
	for _, r := range s.Recipients {
		if !slices.Contains(list, r) {
			list = append(list, r)
		}
	}
	next := strings.Join(list, ";")
	if exists && next == cur {
		return annots, false, nil
	}
	annots[key] = next
	return annots, true, nil
}

// Unsubscribe removes recipients from a subscription, and the annotation when none is
// left or no recipient is given; it reports whether anything changed.
func Unsubscribe(annots map[string]string, s Subscription) (bool, error) {
	if err := s.validate(); err != nil {
		return false, err
	}
	key := s.AnnotationKey()
	cur, ok := annots[key]
	if !ok {
		return false, nil
	}
	if len(s.Recipients) == 0 {
		delete(annots, key)
		return true, nil
	}
	list := slices.DeleteFunc(parseRecipients(cur), func(r string) bool { return slices.Contains(s.Recipients, r) })
	if len(list) == 0 {
		delete(annots, key)
		return true, nil
	}
	next := strings.Join(list, ";")
	annots[key] = next
	return next != cur, nil
}

// Subscriptions lists the subscription annotations of an object, sorted by key.
func Subscriptions(annots map[string]string) []Subscription {
	var out []Subscription
	for _, k := range slices.Sorted(maps.Keys(annots)) {
		rest, ok := strings.CutPrefix(k, subscribeAnnotationPrefix)
		if !ok {
			continue
		}
		s := Subscription{Recipients: parseRecipients(annots[k])}
		if t, svc, found := strings.Cut(rest, "."); found {
			s.Trigger, s.Service = t, svc
		} else {
			s.Service = rest
		}
		out = append(out, s)
	}
	return out
}

// Target names the object whose subscriptions are edited.
type Target struct {
	// Kind is Application or AppProject.
	Kind string
	Name string
}

func (t Target) resource() (schema.GroupVersionResource, error) {
	switch t.Kind {
	case argocdmanaged.KindApplication:
		return argocdmanaged.ApplicationsResource, nil
	case argocdmanaged.KindAppProject:
		return argocdmanaged.AppProjectsResource, nil
	}
	return schema.GroupVersionResource{}, fmt.Errorf("subscriptions live on an Application or AppProject, not a %s", t.Kind)
}

// EditFunc changes annotations in place and says whether it changed anything.
type EditFunc func(annots map[string]string) (bool, error)

// EditLive reads the target from the Argo CD namespace, edits its annotations and writes
// the subscription annotations back with the user's identity (server-side apply of every
// subscription annotation; a merge patch removes deleted ones). It returns the object as
// written, or as it would be in a dry run.
func EditLive(ctx context.Context, c *argocdmanaged.Clients, p argocdmanaged.Profile, t Target, edit EditFunc, dry argocdmanaged.DryRun) (*unstructured.Unstructured, bool, error) {
	gvr, err := t.resource()
	if err != nil {
		return nil, false, err
	}
	ns := p.ArgoCD.Namespace
	r := c.Dynamic.Resource(gvr).Namespace(ns)
	obj, err := r.Get(ctx, t.Name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) && !isTypeMissing(err) {
			return nil, false, fmt.Errorf("%s %q not found in namespace %s", t.Kind, t.Name, ns)
		}
		return nil, false, c.Explain(err, "get", gvr, ns, t.Name)
	}
	before := obj.GetAnnotations()
	annots := map[string]string{}
	for k, v := range before {
		annots[k] = v
	}
	changed, err := edit(annots)
	if err != nil || !changed {
		return obj, false, err
	}
	var removed []string
	for k := range before {
		if _, ok := annots[k]; !ok {
			removed = append(removed, k)
		}
	}
	if dry == argocdmanaged.DryRunClient {
		obj.SetAnnotations(annots)
		return obj, true, nil
	}
	dryRun := dry.APIOption()
	out := obj
	if len(removed) > 0 {
		patch := map[string]any{}
		for _, k := range removed {
			patch[k] = nil
		}
		data, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": patch}})
		if out, err = r.Patch(ctx, t.Name, types.MergePatchType, data, metav1.PatchOptions{FieldManager: c.Manager(), DryRun: dryRun}); err != nil {
			return nil, false, c.Explain(err, "patch", gvr, ns, t.Name)
		}
	}
	subs := map[string]any{}
	for k, v := range annots {
		if strings.HasPrefix(k, subscribeAnnotationPrefix) {
			subs[k] = v
		}
	}
	if len(subs) > 0 {
		apply := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": argocdmanaged.APIVersion, "kind": t.Kind,
			"metadata": map[string]any{"name": t.Name, "namespace": ns, "annotations": subs},
		}}
		if out, err = r.Apply(ctx, t.Name, apply, metav1.ApplyOptions{FieldManager: c.Manager(), Force: true, DryRun: dryRun}); err != nil {
			return nil, false, c.Explain(err, "patch", gvr, ns, t.Name)
		}
	}
	if dry == argocdmanaged.DryRunServer {
		// A dry-run apply does not see the dry-run removal before it.
		a := out.GetAnnotations()
		for _, k := range removed {
			delete(a, k)
		}
		out.SetAnnotations(a)
	}
	return out, true, nil
}

func isTypeMissing(err error) bool {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		d := status.Status().Details
		return d == nil || d.Name == ""
	}
	return false
}

// EditFile edits the annotations of the Application or AppProject named t.Name (or the
// only one, when t.Name is empty) in a manifest file's content, and returns the new
// content. Other documents are kept byte for byte; the edited one is re-encoded with
// every field it had.
func EditFile(content []byte, t Target, edit EditFunc) ([]byte, bool, error) {
	if _, err := t.resource(); err != nil {
		return nil, false, err
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(content)))
	var docs [][]byte
	match := -1
	for {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false, fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		docs = append(docs, raw)
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yamlUnmarshal(raw, &head); err != nil {
			continue
		}
		if head.Kind == t.Kind && (t.Name == "" || head.Metadata.Name == t.Name) {
			if match >= 0 {
				return nil, false, fmt.Errorf("the file holds more than one %s%s; name the one to edit", t.Kind, nameSuffix(t.Name))
			}
			match = len(docs) - 1
		}
	}
	if match < 0 {
		return nil, false, fmt.Errorf("the file holds no %s%s", t.Kind, nameSuffix(t.Name))
	}
	var encoded []byte
	var changed bool
	var err error
	switch t.Kind {
	case argocdmanaged.KindApplication:
		encoded, changed, err = editDoc(docs[match], &argocdmanaged.Application{}, edit)
	default:
		encoded, changed, err = editDoc(docs[match], &argocdmanaged.AppProject{}, edit)
	}
	if err != nil || !changed {
		return content, false, err
	}
	docs[match] = encoded
	var out bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			out.WriteString("---\n")
		}
		d = bytes.TrimPrefix(d, []byte("---\n"))
		out.Write(d)
		if !bytes.HasSuffix(d, []byte("\n")) {
			out.WriteByte('\n')
		}
	}
	return out.Bytes(), true, nil
}

func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" named %q", name)
}

func editDoc[T argocdmanaged.Object](raw []byte, obj T, edit EditFunc) ([]byte, bool, error) {
	if err := argocdmanaged.Decode(raw, obj); err != nil {
		return nil, false, err
	}
	meta := objectMeta(obj)
	annots := meta.GetAnnotations()
	if annots == nil {
		annots = map[string]string{}
	}
	before := maps.Clone(annots)
	changed, err := edit(annots)
	if err != nil || !changed {
		return nil, changed, err
	}
	// Only the annotation lines change where the document's shape allows; otherwise the
	// document is encoded again.
	if out, ok := spliceAnnotations(raw, before, annots); ok {
		return out, true, nil
	}
	if len(annots) == 0 {
		annots = nil
	}
	meta.SetAnnotations(annots)
	data, err := argocdmanaged.Encode(obj)
	return data, true, err
}

func objectMeta(obj any) metav1.Object {
	switch o := obj.(type) {
	case *argocdmanaged.Application:
		return &o.ObjectMeta
	case *argocdmanaged.AppProject:
		return &o.ObjectMeta
	}
	panic(fmt.Sprintf("notify: no metadata for %T", obj))
}

// CheckSubscription refuses a subscription that lint would reject against cfg: an undefined
// trigger or service, a subscription without trigger when there are no default triggers for
// the service, or a recipient the service cannot deliver to (an address that is not one, a
// Teams recipient missing from recipientUrls, ...). Its error is a *SubscriptionError.
func CheckSubscription(cfg *Config, s Subscription) error {
	refuse := func(p SubscriptionProblem, err error) error {
		return &SubscriptionError{Problem: p, Subscription: s, Err: err}
	}
	svc, ok := cfg.Service(s.Service)
	if !ok {
		return refuse(UndefinedService, fmt.Errorf("service %q is not defined in ConfigMap %s", s.Service, cfg.ConfigMapName))
	}
	if s.Trigger != "" {
		if _, ok := cfg.Data[TriggerPrefix+s.Trigger]; !ok {
			return refuse(UndefinedTrigger, fmt.Errorf("trigger %q is not defined in ConfigMap %s", s.Trigger, cfg.ConfigMapName))
		}
	} else {
		defaults, _ := cfg.DefaultTriggers()
		perService, _ := cfg.ServiceDefaultTriggers()
		if len(defaults) == 0 && len(perService[s.Service]) == 0 {
			return refuse(NoDefaultTriggers, optionError("without ", option("Trigger"), fmt.Sprintf(" the subscription uses the default triggers, and ConfigMap %s has neither defaultTriggers nor defaultTriggers.%s: nothing would be sent", cfg.ConfigMapName, s.Service)))
		}
	}
	if len(s.Recipients) == 0 && !recipientOptional[svc.Type] {
		return refuse(NoRecipient, optionError(fmt.Sprintf("service %s (%s) needs a recipient; give ", s.Service, svc.Type), option("Recipients")))
	}
	for _, r := range s.Recipients {
		if p := recipientProblem(svc, r); p != "" {
			return refuse(BadRecipient, errors.New(p))
		}
	}
	return nil
}
