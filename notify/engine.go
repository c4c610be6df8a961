package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/argoproj/notifications-engine/pkg/api"
	"github.com/argoproj/notifications-engine/pkg/services"
	"github.com/argoproj/notifications-engine/pkg/util/text"
	giturls "github.com/chainguard-dev/git-urls"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Engine is the notifications engine built from a configuration exactly as the Argo CD
// notifications controller builds it (api.ParseConfig, then api.NewAPI), with the
// variables Argo CD gives triggers and templates: app, context, secrets, appProject, and
// the time and strings helpers.
type Engine struct {
	// API is the engine's own API: triggers, templates and services.
	API api.API
	// Config is what the engine parsed.
	Config *api.Config
	// rendering holds a templates service per set of template names, built on first use:
	// the engine's own service parses every template again (with sprig's 200 functions
	// each), which lint and test need for the few templates they render.
	rendering map[string]renderer
	// recursive holds, by template name, how a template calls itself ("" when it does
	// not), computed on first render.
	recursive     map[string]string
	templateFuncs map[string]any
	renderTimeout time.Duration
	// secretUnreadable is Config.SecretUnreadable of the configuration evaluated.
	secretUnreadable error
	// overran holds the templates whose rendering did not end in time, by rendering key.
	overran  map[string]error
	context  map[string]string
	secrets  map[string][]byte
	projects map[string]map[string]any
	now      func() time.Time
	// serviceTypes maps service names to types, for reports.
	serviceTypes map[string]string
	// services are the configuration's readable services by name, for delivery checks.
	services map[string]Service
	// repoServerCalls counts the calls of the helpers that need Argo CD's repo server,
	// which the engine here answers with placeholders.
	repoServerCalls int
}

// EngineOptions tune an Engine.
type EngineOptions struct {
	// Projects are the AppProjects templates see as .appProject, by name; an Application
	// whose project is missing sees an empty map, as in Argo CD.
	Projects []*argocdmanaged.AppProject
	// Now is time.Now for the time.Now helper; nil means time.Now.
	Now func() time.Time
	// RenderTimeout bounds one Render; 0 means 2 seconds.
	RenderTimeout time.Duration
}

// ErrConfigRejected wraps the engine's reason for rejecting a whole configuration: the
// controller then sends no notification at all.
var ErrConfigRejected = errors.New("the notifications controller rejects this configuration, and then sends no notification")

// NewEngine parses cfg with the engine. An error wraps ErrConfigRejected.
func NewEngine(cfg *Config, opts EngineOptions) (e *Engine, err error) {
	// The engine's parsers are third-party code fed with user input; a panic there must
	// become a finding, not a crash.
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("%w: the engine failed on this input: %v", ErrConfigRejected, r)
		}
	}()
	ctx, err := cfg.Context()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfigRejected, err)
	}
	parsed, err := api.ParseConfig(cfg.ConfigMap(), cfg.Secret())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfigRejected, err)
	}
	e = &Engine{Config: parsed, context: ctx, secrets: cfg.Secret().Data, projects: map[string]map[string]any{}, now: opts.Now}
	if e.now == nil {
		e.now = time.Now
	}
	for _, p := range opts.Projects {
		m, err := toMap(p)
		if err != nil {
			return nil, err
		}
		e.projects[p.Name] = m
	}
	a, err := api.NewAPI(*parsed, e.Vars)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfigRejected, err)
	}
	e.API = a
	e.rendering = map[string]renderer{}
	e.recursive = map[string]string{}
	e.overran = map[string]error{}
	e.renderTimeout = opts.RenderTimeout
	if e.renderTimeout <= 0 {
		e.renderTimeout = defaultRenderTimeout
	}
	return e, nil
}

// Vars are the variables of a trigger or template for one object and destination, as
// Argo CD builds them (util/notification/settings and expression in Argo CD), except that
// GetCommitMetadata and GetAppDetails, which need Argo CD's repo server, give placeholders.
func (e *Engine) Vars(obj map[string]any, dest services.Destination) map[string]any {
	ctx := map[string]string{"notificationType": dest.Service}
	maps.Copy(ctx, e.context)
	vars := map[string]any{
		"app":        obj,
		"context":    ctx,
		"secrets":    e.secrets,
		"appProject": e.project(obj),
		"time":       timeHelpers(e.now),
		"strings":    stringsHelpers(),
		"repo":       e.repoHelpers(),
	}
	return vars
}

// RepoServerPlaceholder is what GetCommitMetadata and GetAppDetails give in place of the
// data only Argo CD's repo server has.
const RepoServerPlaceholder = "<from the repo server>"

// repoHelpers are the `repo` helpers of Argo CD (util/notification/expression/repo): the
// three that need no repo server work as there; GetCommitMetadata and GetAppDetails return
// placeholders, and are counted so that reports can say so.
func (e *Engine) repoHelpers() map[string]any {
	return map[string]any{
		"RepoURLToHTTPS":    repoURLToHTTPS,
		"FullNameByRepoURL": fullNameByRepoURL,
		"QueryEscape":       url.QueryEscape,
		"GetCommitMetadata": func(commitSHA string) any {
			e.repoServerCalls++
			return map[string]any{"Message": RepoServerPlaceholder, "Author": RepoServerPlaceholder, "Date": time.Time{}, "Tags": []string{}}
		},
		"GetAppDetails": func() any {
			e.repoServerCalls++
			return map[string]any{"Type": RepoServerPlaceholder, "Helm": nil, "Kustomize": nil, "Directory": nil}
		},
	}
}

var gitSuffix = regexp.MustCompile(`\.git$`)

// fullNameByRepoURL is Argo CD's repo.FullNameByRepoURL: owner/name of a repository URL
// (git@github.com:org/repo.git gives org/repo). An unreadable URL panics, as in Argo CD,
// which the engine reports as a failed expression.
func fullNameByRepoURL(rawURL string) string {
	parsed, err := giturls.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	path := gitSuffix.ReplaceAllString(parsed.Path, "")
	if parts := text.SplitRemoveEmpty(path, "/"); len(parts) >= 2 {
		return strings.Join(parts[:2], "/")
	}
	return path
}

// repoURLToHTTPS is Argo CD's repo.RepoURLToHTTPS: the https form of an ssh or git URL,
// without user.
func repoURLToHTTPS(rawURL string) string {
	parsed, err := giturls.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	parsed.Scheme = "https"
	parsed.User = nil
	return parsed.String()
}

func (e *Engine) project(obj map[string]any) map[string]any {
	name := "default"
	if spec, ok := obj["spec"].(map[string]any); ok {
		if p, ok := spec["project"].(string); ok && p != "" {
			name = p
		}
	}
	if p, ok := e.projects[name]; ok {
		return p
	}
	return map[string]any{}
}

// Render formats templates for one destination as the engine's Send does, without sending,
// within bounds the engine does not have: a template that calls itself with the same data
// is refused before it runs (ErrTemplateRecursion), and one that renders more than
// 1 MiB or for longer than EngineOptions.RenderTimeout is an error
// (ErrRenderBudget).
func (e *Engine) Render(obj map[string]any, templateNames []string, dest services.Destination) (n *services.Notification, err error) {
	in := e.Vars(obj, dest)
	// The engine sets these two after getVars; serviceType is the service's name.
	in["serviceType"] = dest.Service
	in["recipient"] = dest.Recipient
	key := strings.Join(templateNames, "\x00")
	svc, ok := e.rendering[key]
	if !ok {
		if svc, err = e.newRenderer(templateNames); err != nil {
			return nil, err
		}
		e.rendering[key] = svc
	}
	if err := e.overran[key]; err != nil {
		// One abandoned rendering of these templates is enough: another would only add a
		// second one running in the background.
		return nil, err
	}
	n, err = renderBounded(e.renderTimeout, func() (*services.Notification, error) {
		return svc.FormatNotification(in, templateNames...)
	})
	if errors.Is(err, errRenderTimeout) {
		e.overran[key] = err
	}
	return n, err
}

// newRenderer is the engine's templates service (templates.NewService) for the named
// templates only, with boundedFuncs, after the recursion check.
func (e *Engine) newRenderer(templateNames []string) (renderer, error) {
	r := renderer{}
	for _, name := range templateNames {
		t, found := e.Config.Templates[name]
		if !found {
			continue
		}
		if _, checked := e.recursive[name]; !checked {
			raw, _ := yaml.Marshal(t)
			e.recursive[name] = templateRecursion(string(raw))
		}
		if cycle := e.recursive[name]; cycle != "" {
			return nil, fmt.Errorf("template %s: %w (%s)", name, ErrTemplateRecursion, cycle)
		}
		templater, err := t.GetTemplater(name, e.funcs())
		if err != nil {
			return nil, err
		}
		r[name] = templater
	}
	return r, nil
}

func (e *Engine) funcs() map[string]any {
	if e.templateFuncs == nil {
		e.templateFuncs = boundedFuncs()
	}
	return e.templateFuncs
}

// renderer holds the templaters of some templates, by name.
type renderer map[string]services.Templater

// FormatNotification is templates.Service's: the templates applied in order.
func (r renderer) FormatNotification(vars map[string]any, names ...string) (*services.Notification, error) {
	var n services.Notification
	for _, name := range names {
		templater, ok := r[name]
		if !ok {
			return nil, fmt.Errorf("template '%s' is not supported", name)
		}
		if err := templater(&n, vars); err != nil {
			return nil, err
		}
	}
	return &n, nil
}

// timeHelpers are the `time` helpers of Argo CD's trigger expressions. Parse returns an
// error for a malformed or missing timestamp instead of panicking as Argo CD's does; the
// expression fails either way, and the error says why.
func timeHelpers(now func() time.Time) map[string]any {
	if now == nil {
		now = time.Now
	}
	return map[string]any{
		"Parse": parseTime,
		"Now":   now,

		"Nanosecond":  time.Nanosecond,
		"Microsecond": time.Microsecond,
		"Millisecond": time.Millisecond,
		"Second":      time.Second,
		"Minute":      time.Minute,
		"Hour":        time.Hour,

		"Layout":      time.Layout,
		"ANSIC":       time.ANSIC,
		"UnixDate":    time.UnixDate,
		"RubyDate":    time.RubyDate,
		"RFC822":      time.RFC822,
		"RFC822Z":     time.RFC822Z,
		"RFC850":      time.RFC850,
		"RFC1123":     time.RFC1123,
		"RFC1123Z":    time.RFC1123Z,
		"RFC3339":     time.RFC3339,
		"RFC3339Nano": time.RFC3339Nano,
		"Kitchen":     time.Kitchen,
		"Stamp":       time.Stamp,
		"StampMilli":  time.StampMilli,
		"StampMicro":  time.StampMicro,
		"StampNano":   time.StampNano,
	}
}

func parseTime(timestamp string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, timestamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("time.Parse: %q is not an RFC 3339 timestamp", timestamp)
	}
	return t, nil
}

// stringsHelpers are the `strings` helpers of Argo CD's trigger expressions.
func stringsHelpers() map[string]any {
	return map[string]any{
		"ReplaceAll": strings.ReplaceAll,
		"ToUpper":    strings.ToUpper,
		"ToLower":    strings.ToLower,
	}
}

// toMap converts a mirrored object to the map form the engine evaluates, unknown fields
// included.
func toMap(obj any) (map[string]any, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T: %w", obj, err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("converting %T: %w", obj, err)
	}
	return m, nil
}
