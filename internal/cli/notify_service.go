package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/notify"
)

// NewCmdNotifyService groups the commands that add, list and remove notification services.
func NewCmdNotifyService(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "service",
		Short: "Add, list and remove notification services (email, Slack, webhook, Teams, ...)",
		Example: `  kubectl ck8sargo notify service add email --host smtp.example.com --port 587 --from argocd@example.com \
      --username argocd@example.com --password-file password.txt
  kubectl ck8sargo notify service list
  kubectl ck8sargo notify service remove email`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdNotifyServiceAdd(root), NewCmdNotifyServiceList(root), NewCmdNotifyServiceRemove(root))
	return cmd
}

// serviceAddOptions are the flags every `service add TYPE` shares.
type serviceAddOptions struct {
	root  *RootOptions
	name  string
	force bool
	write writeFlags
	build func() (notify.ServiceSpec, error)
}

func (o *serviceAddOptions) run(cmd *cobra.Command) error {
	if err := o.write.validate(); err != nil {
		return err
	}
	spec, err := o.build()
	if err != nil {
		return UsageErrorf("%s", oneLine(err.Error()))
	}
	ctx := cmd.Context()
	cfg, c, _, err := loadLive(ctx, o.root)
	if err != nil {
		return err
	}
	if err := cfg.AddService(spec, o.force); err != nil {
		return UsageErrorf("%v", err)
	}
	for _, w := range spec.Warnings {
		fmt.Fprintf(o.root.ErrOut, "note: %s\n", w)
	}
	if o.write.output == "" {
		keys := sortedKeys(spec.Secrets)
		fmt.Fprintf(o.root.Out, "service %q as %s", spec.ServiceName(), spec.Key())
		if len(keys) > 0 {
			fmt.Fprintf(o.root.Out, ", credentials in Secret %s keys %s", cfg.SecretName, strings.Join(keys, ", "))
		}
		fmt.Fprintln(o.root.Out)
	}
	return applyConfig(ctx, o.root, c, cfg, &o.write)
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func newServiceAddCmd(root *RootOptions, use, short, example string, setup func(cmd *cobra.Command, o *serviceAddOptions)) *cobra.Command {
	o := &serviceAddOptions{root: root}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd) },
	}
	cmd.Flags().StringVar(&o.name, "name", "", "service name for subscriptions (default: the type); the key becomes service.<type>.<name>")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace an existing service and Secret keys of the same name")
	o.write.add(cmd.Flags())
	setup(cmd, o)
	return cmd
}

// NewCmdNotifyServiceAdd adds a service of one of the engine's types.
func NewCmdNotifyServiceAdd(root *RootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add TYPE",
		Short: "Add a notification service; credentials go into the notifications Secret",
		Long: `Writes service.<type>[.<name>] into the notifications ConfigMap with $key references, and the
credentials (read from files, never from flags) into the notifications Secret under those
keys, as the exact bytes: one final line break in a file is dropped, any other is refused.`,
		Example: `  kubectl ck8sargo notify service add email --host smtp.gmail.com --port 465 \
      --username sender@example.com --password-file app-password.txt
  kubectl ck8sargo notify service add slack --token-file slack-bot-token.txt`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		newServiceAddCmd(root, "email", "Add an SMTP email service (465 = implicit TLS, 587 = STARTTLS)",
			`  # Gmail: implicit TLS on 465, with an app password (accounts with 2FA refuse the account password)
  kubectl ck8sargo notify service add email --host smtp.gmail.com --port 465 \
      --username sender@example.com --password-file app-password.txt

  # a company SMTP relay with STARTTLS
  kubectl ck8sargo notify service add email --name relay --host smtp.example.com --port 587 \
      --from argocd@example.com --username argocd --password-file relay-password.txt`,
			func(cmd *cobra.Command, o *serviceAddOptions) {
				var e notify.EmailOptions
				var passwordFile string
				f := cmd.Flags()
				f.StringVar(&e.Host, "host", "", "SMTP server host name")
				f.IntVar(&e.Port, "port", 587, "SMTP port: 465 for implicit TLS (SMTPS), 587 for STARTTLS")
				f.StringVar(&e.From, "from", "", "sender address (default: the username, stored as $<name>-username)")
				f.StringVar(&e.Username, "username", "", "SMTP user name, stored in the Secret")
				f.StringVar(&passwordFile, "password-file", "", "file holding the SMTP password or app password ('-' for stdin)")
				f.BoolVar(&e.HTML, "html", false, "send the body as HTML")
				f.BoolVar(&e.InsecureSkipVerify, "insecure-skip-verify", false, "accept any server certificate (test servers only)")
				o.build = func() (notify.ServiceSpec, error) {
					var err error
					if e.Password, err = readSecretFile(o.root, "--password-file", passwordFile); err != nil {
						return notify.ServiceSpec{}, err
					}
					e.Name = o.name
					return notify.EmailService(e)
				}
			}),
		newServiceAddCmd(root, "slack", "Add a Slack bot service",
			`  kubectl ck8sargo notify service add slack --token-file slack-bot-token.txt`,
			func(cmd *cobra.Command, o *serviceAddOptions) {
				var s notify.SlackOptions
				var tokenFile, signingFile string
				f := cmd.Flags()
				f.StringVar(&tokenFile, "token-file", "", "file holding the bot token (xoxb-...)")
				f.StringVar(&signingFile, "signing-secret-file", "", "file holding the app's signing secret (optional)")
				f.StringVar(&s.Username, "username", "", "name the messages are posted as")
				f.StringVar(&s.Icon, "icon", "", "emoji (:robot_face:) or image URL of the messages")
				f.StringVar(&s.APIURL, "api-url", "", "Slack API URL (default https://slack.com/api/)")
				o.build = func() (notify.ServiceSpec, error) {
					var err error
					if s.Token, err = readSecretFile(o.root, "--token-file", tokenFile); err != nil {
						return notify.ServiceSpec{}, err
					}
					if s.SigningSecret, err = readSecretFile(o.root, "--signing-secret-file", signingFile); err != nil {
						return notify.ServiceSpec{}, err
					}
					s.Name = o.name
					return notify.SlackService(s)
				}
			}),
		newServiceAddCmd(root, "webhook", "Add a generic HTTP webhook service",
			`  kubectl ck8sargo notify service add webhook --name deploy-log --url https://hooks.example.com/argocd \
      --header Content-Type=application/json --secret-header Authorization=auth-header.txt`,
			func(cmd *cobra.Command, o *serviceAddOptions) {
				var w notify.WebhookOptions
				var headers, secretHeaders []string
				var passFile string
				f := cmd.Flags()
				f.StringVar(&w.URL, "url", "", "URL the notifications are sent to")
				f.StringArrayVar(&headers, "header", nil, "NAME=VALUE header written in the ConfigMap (repeatable)")
				f.StringArrayVar(&secretHeaders, "secret-header", nil, "NAME=FILE header whose value is stored in the Secret (repeatable)")
				f.StringVar(&w.BasicAuthUser, "basic-auth-username", "", "basic auth user name")
				f.StringVar(&passFile, "basic-auth-password-file", "", "file holding the basic auth password")
				o.build = func() (notify.ServiceSpec, error) {
					w.Headers = map[string]string{}
					for _, h := range headers {
						k, v, ok := strings.Cut(h, "=")
						if !ok || k == "" {
							return notify.ServiceSpec{}, fmt.Errorf("--header %q: want NAME=VALUE", h)
						}
						w.Headers[k] = v
					}
					var err error
					if w.SecretHeaders, err = readKeyedFiles(o.root, "--secret-header", secretHeaders); err != nil {
						return notify.ServiceSpec{}, err
					}
					if w.BasicAuthPass, err = readSecretFile(o.root, "--basic-auth-password-file", passFile); err != nil {
						return notify.ServiceSpec{}, err
					}
					w.Name = o.name
					return notify.WebhookService(w)
				}
			}),
		keyedServiceCmd(root, "teams", "Add a Microsoft Teams service (incoming webhooks per recipient)", "webhook-file", "RECIPIENT=FILE with the channel's incoming webhook URL (repeatable)",
			`  kubectl ck8sargo notify service add teams --webhook-file ops=ops-webhook-url.txt`),
		keyedServiceCmd(root, "teams-workflows", "Add a Microsoft Teams Workflows service (Power Automate webhooks per recipient; Argo CD 3.3 and later)", "webhook-file", "RECIPIENT=FILE with the workflow's webhook URL (repeatable)",
			`  kubectl ck8sargo notify service add teams-workflows --webhook-file ops=ops-workflow-url.txt`),
		keyedServiceCmd(root, "googlechat", "Add a Google Chat service (webhooks per space)", "webhook-file", "SPACE=FILE with the space's webhook URL (repeatable)",
			`  kubectl ck8sargo notify service add googlechat --webhook-file team=chat-webhook-url.txt`),
		keyedServiceCmd(root, "opsgenie", "Add an Opsgenie service (API keys per team)", "api-key-file", "TEAM=FILE with the team's API key (repeatable)",
			`  kubectl ck8sargo notify service add opsgenie --api-url api.eu.opsgenie.com --api-key-file ops=opsgenie-key.txt`),
		keyedServiceCmd(root, "pagerdutyv2", "Add a PagerDuty Events v2 service (integration keys per service)", "service-key-file", "SERVICE=FILE with the integration key (repeatable)",
			`  kubectl ck8sargo notify service add pagerdutyv2 --service-key-file shop=pagerduty-key.txt`),
		tokenServiceCmd(root, "mattermost", "Add a Mattermost service",
			`  kubectl ck8sargo notify service add mattermost --api-url https://chat.example.com --token-file mattermost-token.txt`),
		tokenServiceCmd(root, "telegram", "Add a Telegram bot service",
			`  kubectl ck8sargo notify service add telegram --token-file telegram-bot-token.txt`),
		newServiceAddCmd(root, "alertmanager", "Add a Prometheus Alertmanager service",
			`  kubectl ck8sargo notify service add alertmanager --target alertmanager.monitoring:9093`,
			func(cmd *cobra.Command, o *serviceAddOptions) {
				var a notify.AlertmanagerOptions
				var tokenFile string
				f := cmd.Flags()
				f.StringArrayVar(&a.Targets, "target", nil, "HOST:PORT of an Alertmanager (repeatable)")
				f.StringVar(&a.Scheme, "scheme", "", "http or https (default http)")
				f.StringVar(&a.APIPath, "api-path", "", "API path (default /api/v2/alerts)")
				f.StringVar(&tokenFile, "bearer-token-file", "", "file holding a bearer token")
				o.build = func() (notify.ServiceSpec, error) {
					var err error
					if a.BearerToken, err = readSecretFile(o.root, "--bearer-token-file", tokenFile); err != nil {
						return notify.ServiceSpec{}, err
					}
					a.Name = o.name
					return notify.AlertmanagerService(a)
				}
			}),
		newServiceAddCmd(root, "github", "Add a GitHub App service (commit statuses, deployments)",
			`  kubectl ck8sargo notify service add github --app-id 12345 --installation-id 67890 --private-key-file app.pem`,
			func(cmd *cobra.Command, o *serviceAddOptions) {
				var g notify.GitHubOptions
				var keyFile string
				f := cmd.Flags()
				f.StringVar(&g.AppID, "app-id", "", "GitHub App ID")
				f.StringVar(&g.InstallationID, "installation-id", "", "installation ID of the App")
				f.StringVar(&keyFile, "private-key-file", "", "PEM file of the App's private key")
				f.StringVar(&g.EnterpriseBaseURL, "enterprise-base-url", "", "GitHub Enterprise API URL")
				o.build = func() (notify.ServiceSpec, error) {
					var err error
					if g.PrivateKey, err = readSecretFile(o.root, "--private-key-file", keyFile); err != nil {
						return notify.ServiceSpec{}, err
					}
					g.Name = o.name
					return notify.GitHubService(g)
				}
			}),
	)
	for _, schema := range notify.ServiceSchemas {
		cmd.AddCommand(fieldServiceCmd(root, schema))
	}
	return cmd
}

// fieldServiceCmd is `service add TYPE` for a type configured by plain fields: one flag per
// field, secrets read from files.
func fieldServiceCmd(root *RootOptions, schema notify.ServiceSchema) *cobra.Command {
	return newServiceAddCmd(root, schema.Type, schema.Short, schema.Example, func(cmd *cobra.Command, o *serviceAddOptions) {
		values := map[string]*string{}
		for _, f := range schema.Fields {
			values[f.Flag] = cmd.Flags().String(f.Flag, "", f.Help)
		}
		o.build = func() (notify.ServiceSpec, error) {
			plain, secrets := map[string]string{}, map[string][]byte{}
			for _, f := range schema.Fields {
				if !f.Secret {
					plain[f.Flag] = *values[f.Flag]
					continue
				}
				v, err := readSecretFile(o.root, "--"+f.Flag, *values[f.Flag])
				if err != nil {
					return notify.ServiceSpec{}, err
				}
				if v != nil {
					secrets[f.Flag] = v
				}
			}
			return notify.FieldService(schema.Type, o.name, plain, secrets)
		}
	})
}

func keyedServiceCmd(root *RootOptions, typ, short, flag, help, example string) *cobra.Command {
	return newServiceAddCmd(root, typ, short, example, func(cmd *cobra.Command, o *serviceAddOptions) {
		var pairs []string
		var apiURL string
		cmd.Flags().StringArrayVar(&pairs, flag, nil, help)
		if typ == "opsgenie" {
			cmd.Flags().StringVar(&apiURL, "api-url", "", "Opsgenie API host: api.opsgenie.com or api.eu.opsgenie.com")
		}
		o.build = func() (notify.ServiceSpec, error) {
			secrets, err := readKeyedFiles(o.root, "--"+flag, pairs)
			if err != nil {
				return notify.ServiceSpec{}, err
			}
			return notify.KeyedService(typ, notify.KeyedSecretsOptions{Name: o.name, Secrets: secrets, APIURL: apiURL})
		}
	})
}

func tokenServiceCmd(root *RootOptions, typ, short, example string) *cobra.Command {
	return newServiceAddCmd(root, typ, short, example, func(cmd *cobra.Command, o *serviceAddOptions) {
		var tokenFile, apiURL string
		cmd.Flags().StringVar(&tokenFile, "token-file", "", "file holding the token")
		if typ == "mattermost" {
			cmd.Flags().StringVar(&apiURL, "api-url", "", "Mattermost server URL")
		}
		o.build = func() (notify.ServiceSpec, error) {
			token, err := readSecretFile(o.root, "--token-file", tokenFile)
			if err != nil {
				return notify.ServiceSpec{}, err
			}
			return notify.TokenService(typ, notify.TokenOptions{Name: o.name, Token: token, APIURL: apiURL})
		}
	})
}

type serviceListOptions struct {
	root   *RootOptions
	output string
}

// serviceInfo is one service as listed: no secret values, only whether references resolve.
type serviceInfo struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Key        string   `json:"key"`
	SecretKeys []string `json:"secretKeys"`
	Missing    []string `json:"missingSecretKeys"`
	Error      string   `json:"error,omitempty"`
}

// NewCmdNotifyServiceList lists the configured services.
func NewCmdNotifyServiceList(root *RootOptions) *cobra.Command {
	o := &serviceListOptions{root: root}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the notification services and whether their Secret keys exist",
		Example: `  kubectl ck8sargo notify service list
  kubectl ck8sargo notify service list -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validateOutput(o.output, "text", "json", "yaml"); err != nil {
				return err
			}
			cfg, _, _, err := loadLive(cmd.Context(), o.root)
			if err != nil {
				return err
			}
			return o.print(cfg)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	return cmd
}

func (o *serviceListOptions) print(cfg *notify.Config) error {
	infos := []serviceInfo{}
	for _, s := range cfg.Services() {
		i := serviceInfo{Name: s.Name, Type: s.Type, Key: s.Key, SecretKeys: notify.SecretRefs(s.Raw), Missing: []string{}}
		if s.Err != nil {
			i.Error = s.Err.Error()
		}
		for _, k := range i.SecretKeys {
			if _, ok := cfg.SecretData[k]; !ok {
				i.Missing = append(i.Missing, k)
			}
		}
		infos = append(infos, i)
	}
	if o.output != "text" {
		return printStructured(o.root.Out, o.output, infos)
	}
	tw := tabwriter.NewWriter(o.root.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tKEY\tSECRET KEYS\tMISSING")
	for _, i := range infos {
		missing := strings.Join(i.Missing, ",")
		if i.Error != "" {
			missing = "error: " + oneLine(i.Error)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.Name, i.Type, i.Key, strings.Join(i.SecretKeys, ","), missing)
	}
	return tw.Flush()
}

type serviceRemoveOptions struct {
	root        *RootOptions
	keepSecrets bool
	write       writeFlags
}

// NewCmdNotifyServiceRemove removes a service and the Secret keys only it used.
func NewCmdNotifyServiceRemove(root *RootOptions) *cobra.Command {
	o := &serviceRemoveOptions{root: root}
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a notification service and the Secret keys that only it references",
		Example: `  kubectl ck8sargo notify service remove email
  kubectl ck8sargo notify service remove service.email.relay --keep-secrets --dry-run=server`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.write.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			cfg, c, _, err := loadLive(ctx, o.root)
			if err != nil {
				return err
			}
			key, removed, err := cfg.RemoveService(args[0], o.keepSecrets)
			if err != nil {
				return UsageErrorf("%v", err)
			}
			if o.write.output == "" {
				fmt.Fprintf(o.root.Out, "removing %s", key)
				if len(removed) > 0 {
					fmt.Fprintf(o.root.Out, " and Secret keys %s", strings.Join(removed, ", "))
				}
				fmt.Fprintln(o.root.Out)
			}
			return applyConfig(ctx, o.root, c, cfg, &o.write)
		},
	}
	cmd.Flags().BoolVar(&o.keepSecrets, "keep-secrets", false, "keep the service's keys in the Secret")
	o.write.add(cmd.Flags())
	return cmd
}
