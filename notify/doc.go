// Package notify reads, checks, edits and tests the Argo CD notifications configuration:
// the notifications ConfigMap and Secret of the Argo CD namespace (names from
// argocdmanaged.Profile) and the subscription annotations of Applications and AppProjects.
//
// Parsing, trigger evaluation and template rendering are those of the notifications
// controller: the package builds github.com/argoproj/notifications-engine (EngineVersion, the
// one Argo CD MirroredArgoCDVersion requires) from the configuration exactly as Argo CD does,
// and gives triggers and templates the variables Argo CD adds (app, context, secrets,
// appProject, and the time, strings and repo helpers).
//
//   - Config is a typed view over the two objects that keeps every key as written.
//   - CatalogEntries and InstallCatalog are the standard triggers and templates, nil-guarded.
//   - EmailService, SlackService, ... build service entries whose credentials go into the
//     Secret; AddService and RemoveService edit them.
//   - Subscribe, Unsubscribe, EditLive and EditFile edit subscription annotations.
//   - Lint finds every problem the controller would trip on, as policy findings.
//   - Evaluate says which trigger fires for an Application and renders (or sends) each
//     recipient's message.
//   - Load and Apply read and write the live objects with the caller's identity
//     (server-side apply, field manager kubectl-ck8sargo).
//
// The engine logs through logrus and, for webhooks, go-retryablehttp's default logger;
// programs that embed this package and want a quiet stderr should set logrus's output.
package notify
