package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/notify"
)

// NewCmdNotify groups the commands that set up, check and try Argo CD notifications.
func NewCmdNotify(root *RootOptions) *cobra.Command {
	// notifications-engine logs through logrus, with secret-bearing request dumps at debug
	// level; the plugin reports results itself, so the engine's log is silenced.
	logrus.SetOutput(io.Discard)
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Set up, lint and test Argo CD notifications like the controller does",
		Long: `Argo CD notifications are configured in the notifications ConfigMap and Secret of the Argo CD
namespace (names from the profile). One typo there makes the controller reject the whole
configuration, silently. These commands edit the two objects with typed flags, lint them
with the controller's own engine (notifications-engine), and show which trigger fires for
an Application and what each recipient would get.`,
		Example: `  kubectl ck8sargo notify catalog --install --only on-sync-failed,on-deployed
  kubectl ck8sargo notify service add email --host smtp.gmail.com --port 465 \
      --username sender@example.com --password-file app-password.txt
  kubectl ck8sargo notify subscribe my-app --trigger on-sync-failed --service email --recipient dev@example.com
  kubectl ck8sargo notify lint
  kubectl ck8sargo notify test my-app`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		NewCmdNotifyCatalog(root),
		NewCmdNotifyService(root),
		NewCmdNotifySubscribe(root),
		NewCmdNotifyUnsubscribe(root),
		NewCmdNotifyLint(root),
		NewCmdNotifyTest(root),
	)
	return cmd
}

// writeFlags are the -o and --dry-run of every notify command that changes the cluster.
type writeFlags struct {
	output *outputFlag
	dryRun *dryRunFlag
}

// addWriteFlags registers them on cmd.
func addWriteFlags(cmd *cobra.Command) writeFlags {
	return writeFlags{
		dryRun: addDryRun(cmd, `"client" prints what would change without sending it; "server" has the API server validate it without storing`, dryRunClient, dryRunServer),
		output: addOutput(cmd, "print the written objects: yaml or json (Secret values are redacted)", "", "yaml", "json"),
	}
}

// dry is the dry-run mode as the library takes it.
func (w *writeFlags) dry() argocdmanaged.DryRun { return w.dryRun.value() }

// printsObjects says whether -o asks for the written objects instead of status lines.
func (w *writeFlags) printsObjects() bool { return w.output.format != "" }

// dryNote is the suffix of a status line in a dry run.
func (w *writeFlags) dryNote() string {
	if !w.dryRun.enabled() {
		return ""
	}
	return fmt.Sprintf(" (dry run: %s)", w.dryRun.mode)
}

// loadLive reads the notifications configuration of profile p with the user's identity.
// The command's Complete has loaded p, so the profile file is read once.
func loadLive(ctx context.Context, root *RootOptions, p argocdmanaged.Profile) (*notify.Config, *argocdmanaged.Clients, error) {
	c, err := notifyClients(root)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := notify.Load(ctx, c, p)
	if err != nil {
		return nil, nil, err
	}
	return cfg, c, nil
}

// applyConfig writes cfg and prints the result: a status line per object, or the objects.
func applyConfig(ctx context.Context, out io.Writer, c *argocdmanaged.Clients, cfg *notify.Config, w *writeFlags) error {
	res, err := notify.Apply(ctx, c, cfg, w.dry())
	if err != nil {
		return err
	}
	if w.printsObjects() {
		var objs []any
		if res.ConfigMap != nil {
			res.ConfigMap.ManagedFields = nil
			objs = append(objs, res.ConfigMap)
		}
		if res.Secret != nil {
			res.Secret.ManagedFields = nil
			objs = append(objs, res.Secret)
		}
		return printObjects(out, w.output.format, objs)
	}
	if res.ConfigMap == nil && res.Secret == nil {
		_, err := fmt.Fprintln(out, "nothing to change")
		return err
	}
	if res.Secret != nil {
		fmt.Fprintf(out, "secret/%s configured%s\n", cfg.SecretName, w.dryNote())
	}
	if res.ConfigMap != nil {
		fmt.Fprintf(out, "configmap/%s configured%s\n", cfg.ConfigMapName, w.dryNote())
	}
	return nil
}

// printObjects writes objects as a YAML stream or, for json, a JSON list.
func printObjects(w io.Writer, format string, objs []any) error {
	if format == "json" {
		return printStructured(w, "json", map[string]any{"apiVersion": "v1", "kind": "List", "items": objs})
	}
	for i, o := range objs {
		data, err := yaml.Marshal(o)
		if err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(w, "---")
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

// readSecretFile reads a credential from a file ("-" for standard input). One final line
// break is dropped, as `echo -n` would have, so the Secret holds exactly the credential;
// any other line break is refused by the library.
func readSecretFile(in io.Reader, flag, path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	var data []byte
	var err error
	if path == "-" {
		data, err = inputfile.ReadAll("standard input", in, maxCredentialBytes)
	} else {
		data, err = inputfile.Read(path, maxCredentialBytes)
	}
	if err != nil {
		return nil, UsageErrorf("%s: %w", flag, inputProblem(err))
	}
	if !bytes.Contains(data, []byte("PRIVATE KEY")) {
		data = bytes.TrimSuffix(data, []byte("\n"))
		data = bytes.TrimSuffix(data, []byte("\r"))
	}
	if len(data) == 0 {
		return nil, UsageErrorf("%s: %s is empty", flag, path)
	}
	return data, nil
}

// readKeyedFiles reads NAME=FILE flags into a map of secrets.
func readKeyedFiles(in io.Reader, flag string, pairs []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, p := range pairs {
		name, file, ok := strings.Cut(p, "=")
		if !ok || name == "" || file == "" {
			return nil, UsageErrorf("%s %q: want NAME=FILE", flag, p)
		}
		v, err := readSecretFile(in, flag, file)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, nil
}

// readLocalConfig reads --config-map and --secret files into a configuration of profile p
// (the one the command's Complete loaded).
func readLocalConfig(p argocdmanaged.Profile, cmFile, secretFile string) (*notify.Config, error) {
	var m notify.Manifests
	if err := readConfigFiles(cmFile, secretFile, &m); err != nil {
		return nil, err
	}
	if len(m.ConfigMaps) != 1 {
		return nil, UsageErrorf("--config-map %s: want exactly one ConfigMap, found %d", cmFile, len(m.ConfigMaps))
	}
	if len(m.Secrets) > 1 {
		return nil, UsageErrorf("--secret %s: want at most one Secret, found %d", secretFile, len(m.Secrets))
	}
	cfg := notify.FromObjects(p, m.ConfigMaps[0].Object, nil)
	if len(m.Secrets) == 1 {
		cfg = notify.FromObjects(p, m.ConfigMaps[0].Object, m.Secrets[0].Object)
	}
	return cfg, nil
}

// readConfigFiles reads the --config-map and --secret files (either may be empty, both may
// be the same file) and refuses a file that does not hold the kind its flag names: an
// empty or wrong file given as --secret would otherwise lint as "no Secret".
func readConfigFiles(cmFile, secretFile string, m *notify.Manifests) error {
	type want struct{ flag, file, kind string }
	var wants []want
	if cmFile != "" {
		wants = append(wants, want{"--config-map", cmFile, "ConfigMap"})
	}
	if secretFile != "" {
		wants = append(wants, want{"--secret", secretFile, "Secret"})
	}
	read := map[string]notify.Manifests{}
	for _, w := range wants {
		got, ok := read[w.file]
		if !ok {
			if err := readManifestFile(w.file, &got); err != nil {
				return err
			}
			read[w.file] = got
			m.ConfigMaps = append(m.ConfigMaps, got.ConfigMaps...)
			m.Secrets = append(m.Secrets, got.Secrets...)
			m.Applications = append(m.Applications, got.Applications...)
			m.AppProjects = append(m.AppProjects, got.AppProjects...)
			m.Skipped += got.Skipped
		}
		n := len(got.ConfigMaps)
		if w.kind == "Secret" {
			n = len(got.Secrets)
		}
		if n == 0 {
			return UsageErrorf("%s %s holds no %s (%s): give the manifest of the notifications %s", w.flag, w.file, w.kind, describeManifests(got), w.kind)
		}
	}
	return nil
}

// describeManifests says what a file held instead of what was asked for.
func describeManifests(m notify.Manifests) string {
	var parts []string
	for _, c := range []struct {
		n    int
		kind string
	}{{len(m.ConfigMaps), "ConfigMap"}, {len(m.Secrets), "Secret"}, {len(m.Applications), "Application"}, {len(m.AppProjects), "AppProject"}, {m.Skipped, "object of another kind"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.kind))
		}
	}
	if len(parts) == 0 {
		return "the file is empty"
	}
	return "it holds " + strings.Join(parts, ", ")
}

// maxCredentialBytes bounds a credential file: a key or token, never a megabyte.
const maxCredentialBytes = 1 << 20

// readNotifyInput reads a file the user named: a regular file of at most limit bytes, so that a
// FIFO or device is refused at once instead of waited on.
func readNotifyInput(path string, limit int64) ([]byte, error) {
	data, err := inputfile.Read(path, limit)
	if err != nil {
		return nil, UsageErrorf("%w", inputProblem(err))
	}
	return data, nil
}

// inputProblem says what is wrong with an input file in words a user can act on.
func inputProblem(err error) error {
	var tl *inputfile.TooLargeError
	var pe *fs.PathError
	switch {
	case errors.As(err, &tl):
		return fmt.Errorf("%w: the API server stores no object that large; is this the right file?", err)
	case errors.Is(err, fs.ErrNotExist) && errors.As(err, &pe):
		return fmt.Errorf("%s: no such file", pe.Path)
	case errors.Is(err, fs.ErrPermission) && errors.As(err, &pe):
		return fmt.Errorf("%s: permission denied", pe.Path)
	}
	return err
}

// readManifestFile reads the notifications-related objects of a manifest file into into.
func readManifestFile(path string, into *notify.Manifests) error {
	data, err := readNotifyInput(path, notify.MaxManifestBytes)
	if err != nil {
		return err
	}
	if err := notify.ReadManifests(path, bytes.NewReader(data), into); err != nil {
		return UsageErrorf("%w", inputProblem(err))
	}
	return nil
}

// notifyRequestTimeout bounds every API request of the notify commands when
// --request-timeout is not given: a server that accepts and never answers is a
// "cannot reach" error, not a wait without end.
var notifyRequestTimeout = 30 * time.Second

// notifyClients are the API clients of the notify commands, with notifyRequestTimeout
// unless --request-timeout says otherwise.
func notifyClients(root *RootOptions) (*argocdmanaged.Clients, error) {
	c, err := root.Clients()
	if err != nil || c.Config == nil || c.Config.Timeout > 0 {
		return c, err
	}
	cfg := rest.CopyConfig(c.Config)
	cfg.Timeout = notifyRequestTimeout
	bounded, err := argocdmanaged.NewClientsForConfig(cfg)
	if err != nil {
		return nil, err
	}
	bounded.Context, bounded.FieldManager = c.Context, c.FieldManager
	return bounded, nil
}

// isUnreachable says whether err means the cluster could not be asked at all, as opposed
// to a refusal of one request.
func isUnreachable(err error) bool {
	return errors.As(err, new(*argocdmanaged.ConnectionError))
}
